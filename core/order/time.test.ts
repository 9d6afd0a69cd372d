import { describe, expect, it } from 'vitest';
import { beijingToIso, epochToIso, isoTime, isoToBeijing, TimeFormatError } from './time.ts';

describe('time conversions', () => {
  it('turns Beijing wall-clock time into ISO with +08:00', () => {
    expect(beijingToIso('2024-05-01 10:00:00')).toBe('2024-05-01T10:00:00+08:00');
    expect(beijingToIso('2024-02-29 23:59:59')).toBe('2024-02-29T23:59:59+08:00');
  });

  it('rejects impossible or foreign formats', () => {
    for (const bad of ['2023-02-29 10:00:00', '2024-13-01 00:00:00', '2024-05-01', '2024/05/01 10:00:00', '2024-05-01 24:00:00']) {
      expect(() => beijingToIso(bad), bad).toThrow(TimeFormatError);
    }
  });

  it('turns epoch seconds and milliseconds into Beijing ISO whatever the machine zone', () => {
    expect(epochToIso(1714528800, 'seconds')).toBe('2024-05-01T10:00:00+08:00');
    expect(epochToIso('1714528800', 'seconds')).toBe('2024-05-01T10:00:00+08:00');
    expect(epochToIso(1714528800123, 'millis')).toBe('2024-05-01T10:00:00.123+08:00');
    // 20:00 UTC is already the next day in Beijing.
    expect(epochToIso(Date.UTC(2024, 4, 1, 20, 0, 0) / 1000, 'seconds')).toBe('2024-05-02T04:00:00+08:00');
    expect(() => epochToIso('17145x', 'seconds')).toThrow(TimeFormatError);
    expect(() => epochToIso(1714528800000, 'seconds')).toThrow('"1714528800000" is past the year 9999 as epoch seconds (is it milliseconds?)'.replace(/"/g, ''));
  });

  it('checks ISO input and converts back to Beijing wall-clock', () => {
    expect(isoTime('2024-05-01T02:00:00Z')).toBe('2024-05-01T02:00:00Z');
    expect(() => isoTime('2024-05-01T02:00:00')).toThrow(/with offset/);
    expect(() => isoTime('2024-05-01T02:00:00+25:00')).toThrow(/impossible offset \+25:00/);
    expect(isoToBeijing('2024-05-01T02:00:00Z')).toBe('2024-05-01 10:00:00');
    expect(isoToBeijing('2024-05-01T10:00:00+08:00')).toBe('2024-05-01 10:00:00');
  });
});
