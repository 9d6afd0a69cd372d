import { normalise, shortCity, shortProvince } from './text.ts';
import type { Receiver } from './types.ts';

/**
 * The key that tells whether two orders go to one address: each part trimmed, full-width
 * characters made half-width, white space collapsed, lower case; province and city without
 * their suffixes (上海市 = 上海); and a street address that repeats the province, city or
 * district at its start is read without them. Name and phone are not part of it.
 *
 * @example
 * addressKey({ name: '张三', phone: '13800138000', province: '上海市', city: '上海市', district: '浦东新区', address: ' 上海市浦东新区 张江路１号 ' })
 * // '上海|上海|浦东新区|张江路1号'
 */
export function addressKey(receiver: Receiver): string {
  const province = shortProvince(normalise(receiver.province).replace(/ /g, ''));
  const city = shortCity(normalise(receiver.city).replace(/ /g, ''));
  const district = normalise(receiver.district ?? '').replace(/ /g, '');
  let address = normalise(receiver.address);
  for (const names of [[receiver.province, province], [receiver.city, city], [receiver.district ?? '', district]]) {
    address = dropPrefix(address, names.map((n) => normalise(n).replace(/ /g, '')));
  }
  return [province, city, district, address].join('|');
}

function dropPrefix(address: string, names: string[]): string {
  const longestFirst = names.filter((n) => n.length > 0).sort((a, b) => b.length - a.length);
  for (const name of longestFirst) {
    if (address.startsWith(name)) return address.slice(name.length).trim();
  }
  return address;
}
