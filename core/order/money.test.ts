import { describe, expect, it } from 'vitest';
import { fenToFen, fenToYuan, MoneyFormatError, yuanToFen } from './money.ts';

describe('yuanToFen', () => {
  it.each([
    ['19.99', 1999],
    ['0.1', 10],
    ['0.29', 29],
    ['1.005'.slice(0, 4), 100],
    ['12', 1200],
    ['.5', 50],
    ['  7.00 ', 700],
    ['-3.50', -350],
    ['19.990', 1999],
    ['90071992547409.91', 9007199254740991],
  ])('reads %j as %i fen by its digits', (input, fen) => {
    expect(yuanToFen(input)).toBe(fen);
  });

  it('reads JSON numbers through their decimal text, never a float multiply', () => {
    // 0.29 * 100 is 28.999999999999996 and 1.15 * 100 is 114.99999999999999 in floating point.
    expect(yuanToFen(0.29)).toBe(29);
    expect(yuanToFen(1.15)).toBe(115);
    expect(yuanToFen(4.35)).toBe(435);
  });

  it.each(['19.999', 'abc', '', '1,299.00', '¥5', '1e3', '.'])('rejects %j', (input) => {
    expect(() => yuanToFen(input)).toThrow(MoneyFormatError);
  });

  it('rejects amounts past the safe integer range', () => {
    expect(() => yuanToFen('90071992547409.93')).toThrow(/too large/);
    expect(() => yuanToFen(1e21)).toThrow(/out of range/);
  });
});

describe('fenToFen and fenToYuan', () => {
  it('reads whole fen', () => {
    expect(fenToFen(1999)).toBe(1999);
    expect(fenToFen('1999')).toBe(1999);
    expect(() => fenToFen(19.99)).toThrow(/whole number/);
    expect(() => fenToFen('19.99')).toThrow(/whole number/);
  });

  it('writes yuan with two decimals', () => {
    expect(fenToYuan(1999)).toBe('19.99');
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(-5)).toBe('-0.05');
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(120000)).toBe('1200.00');
  });
});
