/**
 * One platform app's call budget. Platforms meter calls per app (TOP and JOS per app key,
 * Doudian per app and API, Youzan per client id), and every shop authorised to that app, every
 * kind of call (list pages, details, decryption, stock updates, token refreshes) draws on it.
 * So the shops of one app share one pacer, and their connectors' HTTP goes through it: calls are
 * spaced evenly to the connector's documented `limits`, and a ban or throttling answer holds
 * every call of the app until the platform's window has passed, instead of calling into a ban
 * (TOP lengthens bans that are called into).
 */
import Bottleneck from 'bottleneck';
import type { Connector } from '../core/connector/types.ts';
import type { SendOutcome, TargetLimits } from '../core/outbox/types.ts';

const HEADROOM = 1.05;

export class CallPacer {
  private readonly limiter: Bottleneck;
  private heldUntil = 0;
  private release: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** `channel:app`, for logs and health. */
    readonly app: string,
    limits: TargetLimits,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {
    // The platform counts arrivals, which jitter against our timers: a little headroom.
    const spaced = limits.calls && limits.perMs ? Math.ceil((limits.perMs * HEADROOM) / limits.calls) : 0;
    this.limiter = new Bottleneck({ minTime: spaced, maxConcurrent: limits.concurrency ?? null });
  }

  /** `fetch` through the budget: each call waits for its turn, and for a hold to end. */
  readonly fetch: typeof fetch = (input, init) => this.limiter.schedule(() => this.fetchImpl(input, init));

  /** No call of this app starts for `ms` (a ban window, a throttling answer's wait). */
  hold(ms: number): void {
    const until = this.now() + ms;
    if (until <= this.heldUntil) return;
    this.heldUntil = until;
    // An empty reservoir keeps queued calls queued; refilling it lets them go, spaced again.
    void this.limiter.updateSettings({ reservoir: 0 });
    clearTimeout(this.release);
    this.release = setTimeout(() => {
      this.release = undefined;
      void this.limiter.updateSettings({ reservoir: null });
    }, ms);
    this.release.unref?.();
  }

  /** How long calls are still held, in ms (0 when free). */
  heldFor(): number {
    return Math.max(0, this.heldUntil - this.now());
  }

  /** Holds the app when an outcome says the platform is refusing it for a while. */
  observe<T extends { ok: true } | { ok: false; outcome: SendOutcome } | SendOutcome>(result: T): T {
    const outcome: SendOutcome | undefined = 'ok' in result ? (result.ok ? undefined : result.outcome) : result;
    if (outcome?.outcome === 'retry' && outcome.pauseTarget && outcome.afterMs) this.hold(outcome.afterMs);
    return result;
  }
}

/**
 * The connector with its calls' outcomes watched by the pacer. A stock update while the app is
 * held is not sent: the delivery engine is told to come back when the hold ends.
 */
export function pacedConnector(connector: Connector, pacer: CallPacer): Connector {
  const paced: Connector = Object.create(connector);
  if (connector.pull) paced.pull = async (request) => pacer.observe(await connector.pull!(request));
  if (connector.fetchOrder) paced.fetchOrder = async (id) => pacer.observe(await connector.fetchOrder!(id));
  if (connector.updateStock) {
    paced.updateStock = async (item) => {
      const held = pacer.heldFor();
      if (held > 0) return { outcome: 'retry', reason: `${pacer.app} is held for ${Math.ceil(held / 1000)} s after the platform's call limit`, afterMs: held, pauseTarget: true };
      return pacer.observe(await connector.updateStock!(item));
    };
  }
  return paced;
}
