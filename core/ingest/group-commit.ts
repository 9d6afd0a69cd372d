/**
 * Group commit: concurrent callers are gathered into groups (a short window, a size cap) and
 * each group is handled by one call, so one transaction and one fsync serve many orders.
 * Groups run one after another: while one is being written, the next one fills.
 */
export class GroupCommit<In, Out> {
  private queue: Array<{ input: In; resolve: (out: Out) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly handle: (inputs: In[]) => Promise<Out[]>,
    private readonly windowMs = 2,
    private readonly maxSize = 500,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.running) return;
      if (this.queue.length >= this.maxSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Resolves once everything submitted so far has been handled. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      if (!this.running) this.flush();
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.queue.length === 0) return;
    const group = this.queue.splice(0, this.maxSize);
    this.running = true;
    this.handle(group.map((g) => g.input))
      .then(
        (outs) => group.forEach((g, i) => g.resolve(outs[i]!)),
        (e) => group.forEach((g) => g.reject(e)),
      )
      .finally(() => {
        this.running = false;
        if (this.queue.length > 0) this.flush();
      });
  }
}
