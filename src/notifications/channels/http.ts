import type { SendContext, SendOutcome } from './types.ts';

/** Receivers' answers are kept for the delivery log, cut to this many characters. */
const RESPONSE_CHARS = 2_000;

/**
 * Sends one HTTP request for a channel and classifies the answer: 2xx is delivered; 429 and 5xx,
 * timeouts and network failures are retryable (429 with its Retry-After); other 4xx are not (the
 * config is wrong, and trying again will not help).
 */
export async function sendHttp(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  context: SendContext,
): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: context.signal, redirect: 'manual' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = context.signal.aborted ? `no answer within ${context.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    // A URL fetch refuses outright (a blocked port, say) will be refused every time.
    const refusedByFetch = !context.signal.aborted && cause === undefined;
    return { ok: false, retryable: !refusedByFetch, error: `Could not reach ${new URL(url).host}: ${reason}` };
  }
  const text = (await response.text().catch(() => '')).slice(0, RESPONSE_CHARS);
  if (response.ok) return { ok: true, status: response.status, response: text };
  const retryable = response.status === 429 || response.status >= 500;
  const outcome: SendOutcome = { ok: false, retryable, status: response.status, response: text, error: `The receiver answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
  const retryAfter = retryAfterMs(response.headers.get('retry-after'));
  if (retryAfter !== undefined) outcome.retryAfterMs = retryAfter;
  return outcome;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
