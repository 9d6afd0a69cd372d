/**
 * Raw payload text → payload objects. JSON.parse is fast but rounds 18-digit ids (Tmall tid,
 * Douyin product_id), so such numbers are first quoted into strings. Quoting one that sits
 * inside a string value would break that string's JSON, so a parse failure falls back to the
 * exact (slower) reader, which also says where malformed text is.
 */
import { parsePayloadJson } from '../payload/json.ts';

const BIG_NUMBER = /([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g;

const SIXTEEN_DIGITS = /\d{16}/;

export function decodeJson(raw: string): unknown[] {
  try {
    // Most payloads hold no such number; a plain scan is cheaper than the rewrite.
    if (!SIXTEEN_DIGITS.test(raw)) return [JSON.parse(raw)];
    return [JSON.parse(raw.replace(BIG_NUMBER, (match, before: string, digits: string) => (Number.isSafeInteger(Number(digits)) ? match : `${before}"${digits}"`)))];
  } catch {
    return [parsePayloadJson(raw)];
  }
}
