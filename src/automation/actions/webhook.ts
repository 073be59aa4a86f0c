import { z } from 'zod';
import { sendHttp } from '../../notifications/channels/http.ts';
import type { ActionType } from './types.ts';

/** Header names that carry credentials. */
const CREDENTIAL = /authorization|token|secret|api[-_]?key|password|cookie/i;

const input = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
    method: z.enum(['POST', 'PUT'], { message: 'expected POST or PUT' }).default('POST'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .superRefine((headers, context) => {
        // A credential written into a rule would be shown to every reader of the rule: only a reference.
        for (const [name, value] of Object.entries(headers)) {
          if (CREDENTIAL.test(name) && !/^\s*(\S+\s+)?\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}\s*$/.test(value)) {
            context.addIssue({ code: 'custom', path: [name], message: `expected a secret reference such as "Bearer {{ secrets.HOOK_TOKEN }}": a credential written into the rule would be readable by anyone who can read it` });
          }
        }
      }),
    /** Sent as JSON; absent: the rule, the trigger event and the key. */
    body: z.unknown().optional(),
  })
  .strict();

/** Calls an HTTP endpoint with the trigger event (or a body of the rule's own), the idempotency key in `X-Vigil-Key`. */
export const webhookAction: ActionType<typeof input> = {
  type: 'webhook',
  title: 'Call a webhook',
  input,
  async run(value, context) {
    const body = value.body ?? { rule: context.rule, trigger: context.trigger, key: context.key };
    const outcome = await sendHttp(
      value.url,
      { method: value.method, headers: { 'content-type': 'application/json', 'user-agent': 'Vigil', ...value.headers, 'x-vigil-key': context.key }, body: JSON.stringify(body) },
      { signal: context.signal, timeoutMs: 10_000 },
    );
    return outcome.ok ? { ok: true, output: { status: outcome.status, response: outcome.response } } : { ok: false, retryable: outcome.retryable, error: outcome.error };
  },
};
