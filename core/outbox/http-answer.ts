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
