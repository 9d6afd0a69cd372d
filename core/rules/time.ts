import { isoTime } from '../order/time.ts';

/**
 * Milliseconds since the epoch of an ISO-8601 time with offset, or null when it is not one.
 *
 * @example
 * isoMillis('2024-05-01T10:00:00+08:00') // 1714528800000
 * isoMillis('tomorrow')                  // null
 */
export function isoMillis(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  try {
    return Date.parse(isoTime(value));
  } catch {
    return null;
  }
}

/** Whole minutes between two instants, either way round. */
export const minutesApart = (a: number, b: number): number => Math.abs(a - b) / 60_000;
