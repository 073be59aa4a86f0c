import { z } from 'zod';

/**
 * How one document names another inside its spec. Names compare ignoring case, as the API
 * compares them (SPEC §1): `Payments-API` finds the System `payments-api`.
 */

export const Ref = z.string().trim().min(1, 'expected a name').max(200, 'expected at most 200 characters');

/** A list of names, each at most once. */
export function refList(max: number) {
  return z
    .array(Ref)
    .max(max, `expected at most ${max} names`)
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      names.forEach((name, index) => {
        if (seen.has(nameKey(name))) ctx.addIssue({ code: 'custom', path: [index], message: `expected each name at most once: "${name}" is listed before` });
        seen.add(nameKey(name));
      });
    });
}

export function nameKey(name: string): string {
  return name.toLowerCase();
}
