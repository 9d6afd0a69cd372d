/**
 * What attempts keep of requests and responses goes through here: mainland mobile numbers
 * keep their first 3 and last 4 digits, and named personal fields are starred.
 *
 * @example
 * maskPersonalData({ mobile: '13812345678', note: 'call 13912345678' }) // { mobile: '138****5678', note: 'call 139****5678' }
 */
const PERSONAL_KEYS = /^(receiver_?name|name|fullname|address|receiver_?address|detail|id_?card)$/i;

/** A name or street kept to its first character: 林小姐 → 林***. */
export const starred = (value: string): string => `${[...value][0] ?? ''}***`;

/** A phone with the middle hidden: the first 3 and last 4 characters stay. */
export function maskPhone(phone: string): string {
  const text = phone.trim();
  if (text.length < 7) return '*'.repeat(text.length);
  return `${text.slice(0, 3)}${'*'.repeat(text.length - 7)}${text.slice(-4)}`;
}

export function maskPersonalData(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, '$1****$2');
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, PERSONAL_KEYS.test(k) && typeof v === 'string' && v ? starred(v) : maskPersonalData(v)]),
    );
  }
  return value;
}
