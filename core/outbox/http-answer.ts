/** Reading a target's or platform's HTTP answer: how long it asks us to wait, and a reason short enough to keep. */

/** Retry-After in milliseconds: seconds, or an HTTP date measured from `now` (epoch ms). */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A response text on one line, cut to `max` characters, for error reasons and logs. */
export function truncate(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Network errors that happen before a request is on the wire: sending again cannot duplicate it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * A fetch that threw: `not-sent` when the request never left (refused, no such host, TLS), else
 * `maybe-sent` (a timeout, a connection lost mid-call), which the engine treats as unknown.
 */
export function callFailure(e: unknown, timeoutMs: number): { kind: 'not-sent' | 'maybe-sent'; reason: string } {
  const error = e as Error & { cause?: { code?: string; errors?: Array<{ code?: string }> } };
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return { kind: 'maybe-sent', reason: `no answer within ${timeoutMs} ms` };
  const code = error?.cause?.code ?? error?.cause?.errors?.[0]?.code;
  const reason = `${error?.message ?? String(e)}${code ? ` (${code})` : ''}`;
  return code && NOT_SENT_CODES.has(code) ? { kind: 'not-sent', reason } : { kind: 'maybe-sent', reason };
}
