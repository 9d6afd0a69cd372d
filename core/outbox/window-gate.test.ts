import { describe, expect, it } from 'vitest';
import { WindowGate } from './window-gate.ts';

describe('WindowGate', () => {
  it('lets no window of perMs hold more than calls passes', async () => {
    const gate = new WindowGate(3, 100);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 8 }, async () => times.push(await gate.pass())));
    times.sort((a, b) => a - b);
    for (let i = 0; i + 3 < times.length; i++) expect(times[i + 3]! - times[i]!).toBeGreaterThanOrEqual(100);
    // 8 passes at 3 per 100 ms take at least two full windows.
    expect(times[7]! - times[0]!).toBeGreaterThanOrEqual(200);
  });

  it('counts passes made before a restart', async () => {
    const before = [Date.now() - 10, Date.now() - 5];
    const gate = new WindowGate(2, 80, before);
    const start = Date.now();
    await gate.pass();
    expect(Date.now() - start).toBeGreaterThanOrEqual(65);
  });
});
