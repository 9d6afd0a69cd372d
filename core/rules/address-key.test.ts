import { describe, expect, it } from 'vitest';
import { addressKey } from './address-key.ts';

const receiver = { name: '张三', phone: '13800138000', province: '上海市', city: '上海市', district: '浦东新区', address: '张江路1号' };

describe('addressKey', () => {
  it('joins province, city, district and address', () => {
    expect(addressKey(receiver)).toBe('上海|上海|浦东新区|张江路1号');
  });

  it('trims, makes full-width half-width, collapses spaces and lower-cases', () => {
    expect(addressKey({ ...receiver, address: '  张江路１号  Ａ栋\u3000 ５室 ' })).toBe('上海|上海|浦东新区|张江路1号 a栋 5室');
    expect(addressKey({ ...receiver, address: '张江路1号 A栋 5室' })).toBe(addressKey({ ...receiver, address: '张江路１号   a栋 5室' }));
  });

  it('reads provinces and cities without their suffixes', () => {
    expect(addressKey({ ...receiver, province: '上海', city: '上海' })).toBe(addressKey(receiver));
    expect(addressKey({ ...receiver, province: '广西壮族自治区', city: '南宁市', district: '青秀区' })).toBe('广西|南宁|青秀区|张江路1号');
  });

  it('drops a province, city and district the street address repeats', () => {
    expect(addressKey({ ...receiver, address: '上海市浦东新区 张江路1号' })).toBe(addressKey(receiver));
    expect(addressKey({ ...receiver, province: '浙江省', city: '杭州市', district: '西湖区', address: '浙江杭州市西湖区文三路1号' })).toBe('浙江|杭州|西湖区|文三路1号');
  });

  it('ignores name and phone, keeps other addresses apart', () => {
    expect(addressKey({ ...receiver, name: '李四', phone: '13900139000' })).toBe(addressKey(receiver));
    expect(addressKey({ ...receiver, address: '张江路2号' })).not.toBe(addressKey(receiver));
    expect(addressKey({ ...receiver, district: '' })).toBe('上海|上海||张江路1号');
  });
});
