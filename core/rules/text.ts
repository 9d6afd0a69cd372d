/** Text normalising shared by this folder: width, spaces, place-name suffixes. */

/** Full-width ASCII to half-width, the ideographic space to a space. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/** Half-width, trimmed, runs of white space as one space, lower case. */
export function normalise(text: string): string {
  return toHalfWidth(text).trim().replace(/\s+/g, ' ').toLowerCase();
}

const PROVINCE_SUFFIX = /(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$/;

/** A province without its suffix: 上海市 → 上海, 广西壮族自治区 → 广西. */
export function shortProvince(name: string): string {
  const short = name.replace(PROVINCE_SUFFIX, '');
  return short.length > 0 ? short : name;
}

/** A city without 市: 杭州市 → 杭州. */
export function shortCity(name: string): string {
  const short = name.replace(/市$/, '');
  return short.length > 0 ? short : name;
}

/** A phone for explanations: the middle hidden, as PII is everywhere else. */
export { maskPhone } from '../outbox/mask.ts';
