import { describe, expect, it } from 'vitest';
import { cityKey, placeIn, provinceKey, toHalfWidth } from './place.ts';

describe('place keys', () => {
  it('drops province suffixes, spaces and width', () => {
    expect(provinceKey(' 广西壮族自治区 ')).toBe('广西');
    expect(provinceKey('上海市')).toBe('上海');
    expect(provinceKey('新疆维吾尔自治区')).toBe('新疆');
    expect(provinceKey('香港特别行政区')).toBe('香港');
    expect(provinceKey('浙江省')).toBe('浙江');
    expect(provinceKey('市')).toBe('市');
  });

  it('drops a city suffix', () => {
    expect(cityKey('杭州市')).toBe('杭州');
    expect(cityKey('杭州')).toBe('杭州');
  });

  it('turns full-width ASCII and the ideographic space half-width', () => {
    expect(toHalfWidth('ＡＢ１２３\u3000号')).toBe('AB123 号');
  });

  it('matches a name against a list by key', () => {
    expect(placeIn('江苏省', ['上海', '江苏'], provinceKey)).toBe(true);
    expect(placeIn('广东省', ['上海', '江苏'], provinceKey)).toBe(false);
  });
});
