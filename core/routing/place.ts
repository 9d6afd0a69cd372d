/**
 * Place names as channels write them: "上海市" and "上海", "广西壮族自治区" and "广西",
 * full-width letters and stray spaces. Compared by a key, shown as written.
 */

const PROVINCE_SUFFIX = /(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$/;

/** Full-width ASCII to half-width, ideographic space to a space. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/**
 * The key a province is compared by.
 *
 * @example
 * provinceKey(' 广西壮族自治区 ') // '广西'
 * provinceKey('上海市')           // '上海'
 */
export function provinceKey(name: string): string {
  const text = toHalfWidth(name).replace(/\s+/g, '').toLowerCase();
  const short = text.replace(PROVINCE_SUFFIX, '');
  return short.length > 0 ? short : text;
}

/**
 * The key a city is compared by.
 *
 * @example
 * cityKey('杭州市') // '杭州'
 */
export function cityKey(name: string): string {
  const text = toHalfWidth(name).replace(/\s+/g, '').toLowerCase();
  const short = text.replace(/市$/, '');
  return short.length > 0 ? short : text;
}

/** Whether `value` is one of `names`, by `key`. */
export function placeIn(value: string, names: readonly string[], key: (name: string) => string): boolean {
  const wanted = key(value);
  return names.some((name) => key(name) === wanted);
}
