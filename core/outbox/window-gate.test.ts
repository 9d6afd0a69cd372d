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

describe('slotsWithin', () => {
  it('counts the passes the pacing and the window allow in the next stretch', async () => {
    let clock = 1_000_000;
    const robot = new WindowGate(20, 60_000, [], () => clock);
    expect(robot.slotsWithin(1000)).toBe(1);
    // A fresh gate's schedule starts at its first pass, so a second goes at once; then one per 3 s.
    await robot.pass();
    await robot.pass();
    expect(robot.slotsWithin(1000)).toBe(0);
    expect(robot.slotsWithin(4000)).toBe(1);
    clock += 3000;
    expect(robot.slotsWithin(1000)).toBe(1);

    const erp = new WindowGate(5, 250, [], () => clock);
    expect(erp.slotsWithin(1000)).toBe(20);
    // Five passes made just before (a restart): the current window is full for now.
    const restarted = new WindowGate(5, 250, [clock - 40, clock - 30, clock - 20, clock - 10, clock], () => clock);
    expect(restarted.slotsWithin(100)).toBe(0);
  });
});
