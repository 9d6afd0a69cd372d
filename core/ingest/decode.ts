/**
 * Raw payload text → payload objects. JSON.parse is fast but rounds 18-digit ids, so the
 * exact (slower) reader takes over only when the text holds such a number.
 */
import { parsePayloadJson } from '../payload/json.ts';

const BIG_NUMBER = /[:[,]\s*-?\d{16,}/;

export function decodeJson(raw: string): unknown[] {
  if (!BIG_NUMBER.test(raw)) {
    try {
      return [JSON.parse(raw)];
    } catch {
      // Fall through: the exact reader says where the text is malformed.
    }
  }
  return [parsePayloadJson(raw)];
}
