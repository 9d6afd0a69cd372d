/** A value that can be shown as text: strings, numbers and booleans; anything else is undefined. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Shows the first `head` and last `tail` characters and stars the rest.
 *
 * @example
 * maskText('13812345678', 3, 4) // '138****5678'
 * maskText('张三', 1, 0)         // '张*'
 */
export function maskText(text: string, head: number, tail: number): string {
  const chars = [...text];
  if (chars.length <= head + tail) return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
  return chars.slice(0, head).join('') + '*'.repeat(chars.length - head - tail) + chars.slice(chars.length - tail).join('');
}
