import { describe, expect, it } from 'vitest';
import { isLandline, isValidMobile } from './mobile.ts';

describe('isValidMobile', () => {
  it.each(['13800138000', '19912345678', '+8613800138000', '86 138 0013 8000', '+86-138-0013-8000', '0086 13800138000', ' 138-0013-8000 ', '１３８００１３８０００'])('accepts %s', (phone) => {
    expect(isValidMobile(phone)).toBe(true);
  });

  it.each(['12345678901', '1380013800', '138001380001', '23800138000', '021-12345678', '', 'abc', '+1 13800138000'])('rejects %s', (phone) => {
    expect(isValidMobile(phone)).toBe(false);
  });

  it('treats a masked number as unknown, so not invalid', () => {
    expect(isValidMobile('138****8000')).toBe(true);
    expect(isValidMobile('*******')).toBe(true);
  });

  it('accepts a privacy number with its extension', () => {
    expect(isValidMobile('17012345678-1234')).toBe(true);
    expect(isValidMobile('17012345678转1234')).toBe(true);
    expect(isValidMobile('+86 17012345678-1234')).toBe(true);
    expect(isValidMobile('17012345678-1234567')).toBe(false);
  });
});

describe('isLandline', () => {
  it('accepts an area code and a number', () => {
    expect(isLandline('021-12345678')).toBe(true);
    expect(isLandline('0755 1234 5678')).toBe(true);
    expect(isLandline('010-1234567-89')).toBe(true);
    expect(isLandline('+86-21-12345678')).toBe(true);
    expect(isLandline('12345678')).toBe(false);
  });
});
