/**
 * JSON payloads from platforms carry 18–19 digit ids as bare numbers (Tmall tid/oid, Douyin
 * product_id). JSON.parse would round them; here every number that does not fit a double
 * exactly is kept as its digit string, and everything else reads as JSON.parse would.
 */
import { isSafeNumber, parse } from 'lossless-json';

export class PayloadSyntaxError extends Error {
  override name = 'PayloadSyntaxError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`malformed JSON at line ${line}, column ${column}: ${reason}`);
  }
}

/**
 * @example
 * parsePayloadJson('{"tid": 2938475610293847561, "num": 2}') // { tid: '2938475610293847561', num: 2 }
 */
export function parsePayloadJson(text: string): unknown {
  try {
    return parse(text, null, (digits) => (isSafeNumber(digits, { approx: false }) ? Number(digits) : digits));
  } catch (e) {
    const message = (e as Error).message;
    const position = Number(/\(pos: (\d+)\)|position (\d+)/.exec(message)?.slice(1).find(Boolean) ?? 0);
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    throw new PayloadSyntaxError(message.replace(/\s*(\(pos: \d+\)|at position \d+)/, ''), line, column);
  }
}
