/**
 * Time conversions. Chinese platforms speak Beijing time (UTC+8, no daylight saving) as
 * `yyyy-MM-dd HH:mm:ss`, or epoch seconds / milliseconds; the hub keeps ISO-8601 with offset.
 */

export class TimeFormatError extends Error {
  override name = 'TimeFormatError';
}

export const BEIJING_OFFSET = '+08:00';
const BEIJING_OFFSET_MS = 8 * 3600_000;

const MAX_MS = 253402300799999;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A Beijing wall-clock time to ISO-8601 with the +08:00 offset.
 *
 * @example
 * beijingToIso('2024-05-01 10:00:00') // '2024-05-01T10:00:00+08:00'
 */
export function beijingToIso(value: string): string {
  const text = value.trim();
  const match = LOCAL.exec(text);
  if (!match) throw new TimeFormatError(`"${text}" is not a Beijing time (expected yyyy-MM-dd HH:mm:ss)`);
  const [, y, mo, d, h, mi, s, fraction = ''] = match;
  checkFields(text, +y!, +mo!, +d!, +h!, +mi!, +s!);
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${BEIJING_OFFSET}`;
}

/**
 * Epoch seconds or milliseconds (number or digit string) to ISO-8601 in Beijing time.
 *
 * @example
 * epochToIso(1714528800, 'seconds') // '2024-05-01T10:00:00+08:00'
 */
export function epochToIso(value: string | number, unit: 'seconds' | 'millis'): string {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TimeFormatError(`${JSON.stringify(value)} is not epoch ${unit}`);
  }
  const ms = unit === 'seconds' ? n * 1000 : n;
  // Past 9999 is not a date a platform sends: most likely milliseconds read as seconds.
  if (ms > MAX_MS) throw new TimeFormatError(`${JSON.stringify(value)} is past the year 9999 as epoch ${unit}${unit === 'seconds' ? ' (is it milliseconds?)' : ''}`);
  return formatBeijing(ms, unit === 'millis' && ms % 1000 !== 0);
}

/**
 * Checks an ISO-8601 date-time with offset and returns it unchanged.
 *
 * @example
 * isoTime('2024-05-01T02:00:00Z') // '2024-05-01T02:00:00Z'
 */
export function isoTime(value: string): string {
  const text = value.trim();
  const match = ISO.exec(text);
  if (!match) throw new TimeFormatError(`"${text}" is not an ISO-8601 time with offset`);
  const [, y, mo, d, h, mi, s, , offset] = match;
  checkFields(text, +y!, +mo!, +d!, +h!, +mi!, +s!);
  if (offset !== 'Z' && (Number(offset!.slice(1, 3)) > 14 || Number(offset!.slice(4, 6)) > 59)) {
    throw new TimeFormatError(`"${text}" has an impossible offset ${offset}`);
  }
  return text;
}

/**
 * An ISO-8601 time to Beijing wall-clock `yyyy-MM-dd HH:mm:ss`, for targets that want it.
 *
 * @example
 * isoToBeijing('2024-05-01T02:00:00Z') // '2024-05-01 10:00:00'
 */
export function isoToBeijing(value: string): string {
  const ms = Date.parse(isoTime(value));
  return formatBeijing(ms, false).slice(0, 19).replace('T', ' ');
}

function formatBeijing(ms: number, withMillis: boolean): string {
  const t = new Date(ms + BEIJING_OFFSET_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${p(t.getUTCFullYear(), 4)}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}T${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
  return `${base}${withMillis ? '.' + p(t.getUTCMilliseconds(), 3) : ''}${BEIJING_OFFSET}`;
}

function checkFields(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): void {
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) {
    throw new TimeFormatError(`"${text}" is not a valid date and time`);
  }
}
