import { z } from 'zod';
import type { Migration, VersionedSchema } from '../versioned.ts';
import { timeoutField } from '../common.ts';

/**
 * http config, v2. v1 (the first release) was flat: `followRedirects`,
 * `maxRedirects`, `insecure` and `expectedStatus` sat beside `url`. v2 groups
 * them (`redirects`, `tls`) so client certificates and CA bundles have a
 * home, and always takes a list of expected status codes.
 */

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const INVALID_URL = 'Invalid URL: expected an absolute http:// or https:// URL such as https://example.com/health, or a template such as {{ environment.baseUrl }}/health';

/** A templated URL is only known after rendering, per run (SPEC §2.5); any other must parse now. */
function isHttpUrlOrTemplate(url: string): boolean {
  if (url.includes('{{')) return true;
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

export const httpConfigSchema = z.strictObject({
  url: z.string().refine(isHttpUrlOrTemplate, INVALID_URL),
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: z
    .record(z.string(), z.string())
    .refine((headers) => Object.keys(headers).length <= 100, 'expected at most 100 headers')
    .meta({ maxProperties: 100 })
    .default({}),
  body: z.string().optional(),
  timeout: timeoutField,
  redirects: z
    .strictObject({
      follow: z.boolean().default(true),
      max: z.number().int().min(0).max(20).default(5),
    })
    .prefault({}),
  /** Empty: any 2xx or 3xx is a success. */
  expectedStatusCodes: z.array(z.number().int().min(100).max(599)).default([]),
  tls: z
    .strictObject({
      verify: z.boolean().default(true),
      /** PEM bundle to trust instead of the system store. */
      ca: z.string().optional(),
      /** PEM client certificate and key for mutual TLS. */
      cert: z.string().optional(),
      key: z.string().optional(),
    })
    .prefault({}),
  maxBodyBytes: z.number().int().min(0).max(10 * 1024 * 1024).default(64 * 1024),
});

export type HttpConfig = z.infer<typeof httpConfigSchema>;

const groupRedirectsAndTls: Migration = {
  from: 1,
  to: 2,
  description: 'group followRedirects/maxRedirects into redirects, insecure into tls.verify, expectedStatus into expectedStatusCodes',
  migrate(old) {
    const { followRedirects, maxRedirects, insecure, expectedStatus, ...config } = old;
    if (followRedirects !== undefined || maxRedirects !== undefined) {
      const redirects = isRecord(config.redirects) ? config.redirects : {};
      config.redirects = {
        ...redirects,
        ...(followRedirects !== undefined && { follow: followRedirects }),
        ...(maxRedirects !== undefined && { max: maxRedirects }),
      };
    }
    if (insecure !== undefined) {
      const tls = isRecord(config.tls) ? config.tls : {};
      config.tls = { ...tls, verify: typeof insecure === 'boolean' ? !insecure : insecure };
    }
    if (expectedStatus !== undefined) {
      config.expectedStatusCodes = Array.isArray(expectedStatus) ? expectedStatus : [expectedStatus];
    }
    return config;
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const httpConfig: VersionedSchema<HttpConfig> = {
  version: 2,
  schema: httpConfigSchema,
  migrations: [groupRedirectsAndTls],
};
