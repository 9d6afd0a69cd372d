import { toHalfWidth } from './text.ts';

const MOBILE = /^1[3-9]\d{9}$/;
const COUNTRY = /^(?:\+86|0086|86)/;
/** A privacy (virtual) number with its extension, as Tmall and JD hand them out: 17012345678-1234, 17012345678转1234. */
const WITH_EXTENSION = /^1[3-9]\d{9}(?:-|转|#|,)\d{1,6}$/;
const LANDLINE = /^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$/;

/**
 * Whether a receiver phone is a mainland mobile: 1[3-9] and 11 digits, after an optional
 * +86 / 86 / 0086 prefix, with spaces and dashes allowed anywhere. A privacy number with an
 * extension (13812345678-1234, 13812345678转1234) is valid too. A masked number (with `*`)
 * cannot be checked: it counts as valid.
 *
 * @example
 * isValidMobile('+86 138-0013-8000') // true
 * isValidMobile('138****8000')       // true (masked: unknown)
 * isValidMobile('12345678901')       // false
 */
export function isValidMobile(phone: string): boolean {
  const text = toHalfWidth(phone).trim();
  if (text.includes('*')) return true;
  const compact = text.replace(/[\s-]/g, '').replace(COUNTRY, '');
  if (MOBILE.test(compact)) return true;
  return WITH_EXTENSION.test(text.replace(/\s/g, '').replace(COUNTRY, '').replace(/^-/, ''));
}

/**
 * Whether a phone is a mainland landline with area code: 021-12345678, 0755 1234 5678.
 *
 * @example
 * isLandline('021-12345678') // true
 */
export function isLandline(phone: string): boolean {
  const text = toHalfWidth(phone).trim().replace(/\s/g, '').replace(/^(?:\+86|0086)-?/, '0').replace(/^00/, '0');
  return LANDLINE.test(text);
}
