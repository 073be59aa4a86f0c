import { z } from 'zod';
import { sendHttp } from '../../notifications/channels/http.ts';
import type { ActionType } from './types.ts';

const input = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
    method: z.enum(['POST', 'PUT'], { message: 'expected POST or PUT' }).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
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
