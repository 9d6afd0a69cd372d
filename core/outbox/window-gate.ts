/**
 * An exact sliding-window limit: at most `calls` passes in any `perMs` window, spaced evenly
 * (`perMs / calls` apart) so the target never sees a burst. It keeps the times of the last
 * `calls` passes and checks the clock again after every wait (timers may fire early), so no
 * window ever holds more.
 *
 * @example
 * const gate = new WindowGate(20, 60_000); // a DingTalk robot: 20 messages a minute
 * const at = await gate.pass(); // resolves, with the time of the pass, when a message may go
 */
export class WindowGate {
  private readonly times: number[];
  private chain: Promise<void> = Promise.resolve();
  private readonly gap: number;
  private readonly slack: number;
  private nextSlot = 0;

  constructor(
    private readonly calls: number,
    private readonly perMs: number,
    /** Passes made before (from the attempts table, after a restart). */
    earlier: number[] = [],
    private readonly clock: () => number = Date.now,
  ) {
    this.times = [...earlier].sort((a, b) => a - b).slice(-calls);
    this.gap = perMs / calls;
    this.slack = Math.min(this.gap * 3, 20);
    const last = this.times[this.times.length - 1];
    if (last !== undefined) this.nextSlot = last + this.gap;
  }

  /**
   * How many more passes could go in the next `ms` (pacing and window both counted, and not the
   * passes already waiting): what a dispatcher may claim for this target now without holding
   * rows it cannot send.
   */
  slotsWithin(ms: number): number {
    const now = this.clock();
    const start = Math.max(now, this.nextSlot - this.slack);
    if (start > now + ms) return 0;
    const paced = Math.floor((now + ms - start) / this.gap) + 1;
    // Pacing bounds every window after the first; the first may still hold passes made before now.
    const inWindow = this.times.filter((t) => t > now - this.perMs).length;
    return Math.max(0, Math.min(paced, this.calls * Math.ceil(ms / this.perMs) - inWindow));
  }

  pass(): Promise<number> {
    const turn = this.chain.then(async (): Promise<number> => {
      for (;;) {
        const now = this.clock();
        const oldest = this.times[0];
        const windowOpen = this.times.length < this.calls || oldest === undefined || now - oldest >= this.perMs;
        // Pacing keeps a schedule (one slot every perMs / calls), not the time of the last pass,
        // and may run up to a few slots ahead of it: a timer that wakes late (they wake whole
        // milliseconds late) does not push every later call back. The window check above
        // stays exact whatever the pacing does.
        const due = now >= this.nextSlot - this.slack;
        if (windowOpen && due) {
          this.nextSlot = Math.max(this.nextSlot, now - this.gap) + this.gap;
          this.times.push(now);
          if (this.times.length > this.calls) this.times.shift();
          return now;
        }
        const until = Math.max(windowOpen ? 0 : oldest! + this.perMs - now, due ? 0 : this.nextSlot - now);
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(until))));
      }
    });
    this.chain = turn.then(() => undefined);
    return turn;
  }
}
