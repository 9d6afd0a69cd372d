/**
 * Youzan speaks Beijing wall-clock time, `yyyy-MM-dd HH:mm:ss` (UTC+8, no DST), in requests,
 * answers and push messages. Formatting from the epoch (never the host's time zone) keeps a
 * UTC server from shifting every window by 8 hours.
 *
 * @example
 * toBeijing(Date.parse('2024-05-29T02:30:15Z'))   // '2024-05-29 10:30:15'
 * fromBeijing('2024-05-29 10:30:15')              // Date.parse('2024-05-29T02:30:15Z')
 * beijingToIso('2024-05-29 10:30:15')             // '2024-05-29T10:30:15+08:00'
 */
const OFFSET_MS = 8 * 60 * 60_000;
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

export function toBeijing(epochMs: number): string {
  const d = new Date(epochMs + OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Epoch ms of a Beijing `yyyy-MM-dd HH:mm:ss`, or NaN. */
export function fromBeijing(text: string): number {
  const m = PATTERN.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - OFFSET_MS;
}

/** ISO-8601 with the +08:00 offset, or undefined when the text is not a Beijing time. */
export function beijingToIso(text: string): string | undefined {
  const m = PATTERN.exec(text.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00` : undefined;
}
