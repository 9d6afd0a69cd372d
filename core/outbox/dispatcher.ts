/**
 * The delivery engine: claims due outbox rows with a lease, sends each through its target's
 * adapter at the pace the target accepts, records every attempt, and decides what comes next:
 * delivered, retry later (full-jitter backoff, the target's hint as a floor), dead letter, or
 * unknown (asked about before anything is sent again). One batch of writes per round.
 *
 * @example
 * const dispatcher = new Dispatcher(store, { kingdee: kingdeeAdapter }, { tenants: ['default'] });
 * await dispatcher.runOnce(); // { claimed: 12, delivered: 11, retried: 1, dead: 0, unknown: 0 }
 */
import type { Sealer } from '../order/sealing.ts';
import PQueue from 'p-queue';
import { newId } from '../ids.ts';
import type { CanonicalOrder } from '../order/index.ts';
import { insertRows, type Row, type SqlValue, type Statement, type Store } from '../store/port.ts';
import { retryDelay, type BackoffPolicy } from './backoff.ts';
import { maskPersonalData } from './mask.ts';
import { WindowGate } from './window-gate.ts';
import type { Adapter, Delivery, SendOutcome, TargetLimits } from './types.ts';

export interface DispatcherOptions {
  tenants: string[];
  /** Opens receivers stored sealed, for the bodies adapters build. */
  sealer?: Sealer;
  /** A bot target told (notify.dead_letter) whenever a delivery becomes a dead letter. */
  deadLetterNotice?: { target: string };
  /** Who holds the leases this dispatcher takes (several dispatchers may share a database). */
  owner?: string;
  leaseMs?: number;
  /** Rows claimed per round. */
  batchSize?: number;
  /** Calls in flight across all targets. */
  concurrency?: number;
  maxAttempts?: number;
  maxAgeMs?: number;
  backoff?: BackoffPolicy;
  /** Per-target limits from hub.yaml, over the adapters' documented ones. */
  limits?: Record<string, TargetLimits>;
  now?: () => Date;
  random?: () => number;
  /** Where a failed round is reported; the loop carries on after it (a busy database passes). */
  onError?: (error: unknown) => void;
}

export interface RoundReport {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
  unknown: number;
}

interface Claimed {
  delivery: Delivery;
  wasUnknown: boolean;
}

interface Decision {
  delivery: Delivery;
  status: 'delivered' | 'pending' | 'dead' | 'unknown';
  attempts: number;
  nextAttemptAt: string;
  error: string | null;
  attempt?: { startedAt: string; durationMs: number; outcome: string; request?: unknown; response?: unknown; error?: string };
  /** A lookup that found nothing before the send: a call too, which the target's limit counts. */
  lookup?: { startedAt: string; durationMs: number; outcome: string };
  refs?: { documentCode: string | null; externalRef: string | null };
}

const WINDOW_HEADROOM = 1.02;
/** A paced target needs few calls in flight; fewer in flight keeps arrival times as even as send times. */
const PACED_CONCURRENCY = 8;

/**
 * A round claims of a paced target only what its limit lets out in about this long: a round's
 * results are written together, so a slow robot (20 a minute) must not hold back the ERP's
 * answers, nor sit in memory past its lease.
 */
const ROUND_MS = 1_000;

const DEFAULTS = {
  leaseMs: 60_000,
  batchSize: 200,
  concurrency: 32,
  maxAttempts: 12,
  maxAgeMs: 3 * 24 * 3600_000,
  backoff: { baseMs: 1_000, capMs: 3600_000 },
};

export class Dispatcher {
  private readonly owner: string;
  private readonly queue: PQueue;
  private readonly limiters = new Map<string, { queue: PQueue; gate: Promise<WindowGate | null> }>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly pausedUntil = new Map<string, number>();
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly adapters: Record<string, Adapter>,
    private readonly options: DispatcherOptions,
  ) {
    this.owner = options.owner ?? newId('dsp');
    this.queue = new PQueue({ concurrency: options.concurrency ?? DEFAULTS.concurrency });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Claims and sends one round of due deliveries for every tenant. */
  async runOnce(): Promise<RoundReport> {
    const report: RoundReport = { claimed: 0, delivered: 0, retried: 0, dead: 0, unknown: 0 };
    for (const tenant of this.options.tenants) {
      const { claimed, shares } = await this.claim(tenant);
      report.claimed += claimed.length;
      if (claimed.length === 0) continue;
      const { singles, digests } = this.planDigests(claimed, shares);
      const decisions = (
        await Promise.all([
          ...singles.map((c) => this.queue.add(() => this.handle(c)).then((d) => [d!])),
          ...digests.map((group) => this.queue.add(() => this.sendDigest(group)) as Promise<Decision[]>),
        ])
      ).flat();
      await this.store.batch(this.writes(tenant, decisions));
      for (const d of decisions) {
        if (d.status === 'delivered') report.delivered++;
        else if (d.status === 'pending') report.retried++;
        else if (d.status === 'dead') report.dead++;
        else report.unknown++;
      }
    }
    return report;
  }

  /**
   * Keeps running rounds, `loops` of them side by side (their leases keep them apart), so the
   * next round's claim and writes overlap the current round's calls; a loop that found nothing
   * waits `idleMs`.
   */
  start(idleMs = 200, loops = 2): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < loops; i++) {
      const loop = async (): Promise<void> => {
        if (!this.running) return;
        let busy = false;
        try {
          busy = (await this.runOnce()).claimed > 0;
        } catch (error) {
          this.options.onError?.(error);
        } finally {
          if (this.running) this.timers.add(setTimeout(() => void loop(), busy ? 0 : idleMs));
        }
      };
      void loop();
    }
  }

  /** Runs rounds (two side by side) until nothing is due; for tests, the CLI and benchmarks. */
  async drain(): Promise<void> {
    const worker = async () => {
      while ((await this.runOnce()).claimed > 0);
    };
    await Promise.all([worker(), worker()]);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    await this.queue.onIdle();
  }

  // -------------------------------------------------------------------------------------------

  private async claim(tenant: string): Promise<{ claimed: Claimed[]; shares: Map<string, number> }> {
    const now = this.now();
    const nowIso = now.toISOString();
    // A target that asked to be left alone (a ban window) is not claimed for until it ends.
    const open = Object.keys(this.adapters).filter((t) => (this.pausedUntil.get(`${tenant}\u0000${t}`) ?? 0) <= now.getTime());
    const shares = new Map<string, number>();
    for (const target of open) {
      const share = await this.roundShare(tenant, target);
      if (share > 0) shares.set(target, share);
    }
    const targets = [...shares.keys()];
    if (targets.length === 0) return { claimed: [], shares };
    // A target that takes digests may be claimed for up to a digest per call its window lets out.
    const claimable = (t: string) => shares.get(t)! * (this.adapters[t]!.digest?.max ?? 1);
    const rows = await this.store.writeTransaction(async (tx) => {
      // A lease that ran out belongs to a dispatcher that died mid-call: its outcome is unknown.
      await tx.batch([
        {
          sql: "UPDATE outbox SET status = 'unknown', lease_owner = NULL, lease_until = NULL, last_error = 'the dispatcher stopped during the call', updated_at = ? WHERE tenant = ? AND status = 'sending' AND lease_until < ?",
          args: [nowIso, tenant, nowIso],
        },
        {
          // A delivery whose prerequisite gave up cannot go either: it joins it in the dead
          // letters, and a replay of the prerequisite brings it back.
          sql: `UPDATE outbox SET status = 'dead', last_error = 'blocked: ' || after_key || ' is a dead letter', updated_at = ?
                WHERE tenant = ? AND status = 'pending' AND after_key IN (SELECT idempotency_key FROM outbox WHERE tenant = ? AND status = 'dead')`,
          args: [nowIso, tenant, tenant],
        },
      ]);
      return tx.query(
        `UPDATE outbox SET lease_owner = ?, lease_until = ?, updated_at = ?, status = CASE status WHEN 'unknown' THEN 'unknown' ELSE 'sending' END
         WHERE tenant = ? AND id IN (
           SELECT id FROM (
             SELECT o.id, o.target, o.priority, ROW_NUMBER() OVER (PARTITION BY o.target ORDER BY o.priority DESC, o.id) AS nth FROM outbox o
             WHERE o.tenant = ? AND o.status IN ('pending', 'unknown') AND o.next_attempt_at <= ? AND (o.lease_until IS NULL OR o.lease_until < ?)
               AND o.target IN (${targets.map(() => '?').join(', ')})
               AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.tenant = o.tenant AND p.idempotency_key = o.after_key AND p.status != 'delivered'))
           WHERE nth <= CASE target ${targets.map(() => 'WHEN ? THEN ?').join(' ')} END
           ORDER BY priority DESC, id LIMIT ?)
         RETURNING *`,
        [
          this.owner,
          new Date(now.getTime() + (this.options.leaseMs ?? DEFAULTS.leaseMs)).toISOString(),
          nowIso,
          tenant,
          tenant,
          nowIso,
          nowIso,
          ...targets,
          ...targets.flatMap((t) => [t, claimable(t)]),
          this.options.batchSize ?? DEFAULTS.batchSize,
        ],
      );
    });
    const orders = await this.loadOrders(tenant, rows);
    const claimed = rows.map((row) => ({
      wasUnknown: row.status === 'unknown',
      delivery: {
        tenant,
        id: String(row.id),
        target: String(row.target),
        kind: String(row.kind),
        idempotencyKey: String(row.idempotency_key),
        orderId: row.order_id === null ? null : String(row.order_id),
        payload: JSON.parse(String(row.payload)) as Record<string, unknown>,
        ...(row.order_id && orders.has(String(row.order_id)) ? { order: orders.get(String(row.order_id))! } : {}),
        attempts: Number(row.attempts),
        createdAt: String(row.created_at),
      },
    }));
    return { claimed, shares };
  }

  /**
   * Which claimed deliveries go one by one and which in digests: a digest target with more due
   * than its calls this round has them spread evenly over those calls. Unknown ones always go
   * alone (each has its own question to settle).
   */
  private planDigests(claimed: Claimed[], shares: Map<string, number>): { singles: Claimed[]; digests: Delivery[][] } {
    const singles: Claimed[] = [];
    const byTarget = new Map<string, Claimed[]>();
    for (const c of claimed) {
      if (c.wasUnknown || !this.adapters[c.delivery.target]!.digest) singles.push(c);
      else byTarget.set(c.delivery.target, [...(byTarget.get(c.delivery.target) ?? []), c]);
    }
    const digests: Delivery[][] = [];
    for (const [target, group] of byTarget) {
      const calls = Math.max(1, shares.get(target) ?? 1);
      if (group.length <= calls) {
        singles.push(...group);
        continue;
      }
      const size = Math.ceil(group.length / calls);
      for (let i = 0; i < group.length; i += size) digests.push(group.slice(i, i + size).map((c) => c.delivery));
    }
    return { singles, digests };
  }

  /** One call for several deliveries; its outcome (and its attempt) is each one's. */
  private async sendDigest(deliveries: Delivery[]): Promise<Decision[]> {
    const adapter = this.adapters[deliveries[0]!.target]!;
    let outcome: SendOutcome;
    let startedAt = this.now();
    try {
      ({ result: outcome, startedAt } = await this.limited(deliveries[0]!, () => adapter.digest!.send(deliveries)));
    } catch (e) {
      outcome = { outcome: 'unknown', reason: `the adapter failed: ${(e as Error).message}` };
    }
    const attempt = this.attemptOf(startedAt, outcome.outcome);
    return deliveries.map((delivery) => this.decide(delivery, outcome, attempt));
  }

  private async loadOrders(tenant: string, rows: Row[]): Promise<Map<string, NonNullable<Delivery['order']>>> {
    const ids = [...new Set(rows.flatMap((r) => (r.order_id ? [String(r.order_id)] : [])))];
    const orders = new Map<string, NonNullable<Delivery['order']>>();
    if (ids.length === 0) return orders;
    const found = await this.store.query(`SELECT id, doc, extra_lines FROM orders WHERE tenant = ? AND id IN (${ids.map(() => '?').join(', ')})`, [tenant, ...ids]);
    for (const r of found) {
      const stored = JSON.parse(String(r.doc)) as CanonicalOrder;
      const doc = this.options.sealer ? await this.options.sealer.openOrder(stored) : stored;
      orders.set(String(r.id), { ...doc, ...(r.extra_lines ? { extraLines: JSON.parse(String(r.extra_lines)) } : {}) });
    }
    return orders;
  }

  private async handle({ delivery, wasUnknown }: Claimed): Promise<Decision> {
    const adapter = this.adapters[delivery.target]!;
    let lookup: Decision['lookup'];
    if (wasUnknown) {
      // Never send again blindly after an ambiguous call: ask the target first.
      if (adapter.lookup) {
        try {
          const { result: found, startedAt } = await this.limited(delivery, () => adapter.lookup!(delivery));
          if (found === 'exists') return this.decide(delivery, { outcome: 'delivered' }, this.attemptOf(startedAt, 'found'));
          lookup = this.attemptOf(startedAt, 'absent');
        } catch (e) {
          return this.decide(delivery, { outcome: 'unknown', reason: `could not ask the target: ${(e as Error).message}` });
        }
      } else if (!adapter.idempotent) {
        // Only a person can tell: it joins the dead letters, where people look.
        return { delivery, status: 'dead', attempts: delivery.attempts, nextAttemptAt: this.now().toISOString(), error: 'outcome unknown and the target cannot be asked: check it, then replay it or mark it delivered' };
      }
    }
    const decision = await this.send(delivery, adapter);
    return lookup ? { ...decision, lookup } : decision;
  }

  private async send(delivery: Delivery, adapter: Adapter): Promise<Decision> {
    let outcome: SendOutcome;
    let startedAt = this.now();
    try {
      ({ result: outcome, startedAt } = await this.limited(delivery, () => adapter.send(delivery)));
    } catch (e) {
      // An adapter that throws did not say whether the call went out: treat it as unknown.
      outcome = { outcome: 'unknown', reason: `the adapter failed: ${(e as Error).message}` };
    }
    return this.decide(delivery, outcome, this.attemptOf(startedAt, outcome.outcome));
  }

  private attemptOf(startedAt: Date, outcome: string): { startedAt: string; durationMs: number; outcome: string } {
    return { startedAt: startedAt.toISOString(), durationMs: this.now().getTime() - startedAt.getTime(), outcome };
  }

  private decide(delivery: Delivery, outcome: SendOutcome, attemptBase?: { startedAt: string; durationMs: number; outcome: string }): Decision {
    const attempts = delivery.attempts + 1;
    const attempt = attemptBase && {
      ...attemptBase,
      ...('request' in outcome && outcome.request !== undefined ? { request: maskPersonalData(outcome.request) } : {}),
      ...('response' in outcome && outcome.response !== undefined ? { response: maskPersonalData(outcome.response) } : {}),
      ...('reason' in outcome ? { error: outcome.reason } : {}),
    };
    const base = { delivery, attempts, ...(attempt ? { attempt } : {}) };
    switch (outcome.outcome) {
      case 'delivered': {
        const refs = outcome.documentCode || outcome.externalRef ? { refs: { documentCode: outcome.documentCode ?? null, externalRef: outcome.externalRef ?? null } } : {};
        return { ...base, status: 'delivered', nextAttemptAt: this.now().toISOString(), error: null, ...refs };
      }
      case 'failed':
        return { ...base, status: 'dead', nextAttemptAt: this.now().toISOString(), error: outcome.code ? `${outcome.code}: ${outcome.reason}` : outcome.reason };
      case 'unknown':
        return { ...base, status: 'unknown', nextAttemptAt: this.later(retryDelay(attempts, this.backoff(), () => this.random())), error: outcome.reason };
      case 'retry': {
        const age = this.now().getTime() - Date.parse(delivery.createdAt);
        if (attempts >= (this.options.maxAttempts ?? DEFAULTS.maxAttempts) || age >= (this.options.maxAgeMs ?? DEFAULTS.maxAgeMs)) {
          return { ...base, status: 'dead', nextAttemptAt: this.now().toISOString(), error: `gave up after ${attempts} attempts: ${outcome.reason}` };
        }
        if (outcome.pauseTarget && outcome.afterMs) {
          const key = `${delivery.tenant}\u0000${delivery.target}`;
          this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, this.now().getTime() + outcome.afterMs));
        }
        return { ...base, status: 'pending', nextAttemptAt: this.later(retryDelay(attempts, this.backoff(), () => this.random(), outcome.afterMs)), error: outcome.reason };
      }
    }
  }

  private writes(tenant: string, decisions: Decision[]): Statement[] {
    const nowIso = this.now().toISOString();
    // The common case in one statement: delivered on the first try of this round.
    const delivered = decisions.filter((d) => d.status === 'delivered' && d.attempts === d.delivery.attempts + 1 && !d.refs);
    const statements: Statement[] = [];
    for (let i = 0; i < delivered.length; i += 500) {
      const ids = delivered.slice(i, i + 500).map((d) => d.delivery.id);
      statements.push({
        sql: `UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?, delivered_at = ?
              WHERE tenant = ? AND lease_owner = ? AND id IN (${ids.map(() => '?').join(', ')})`,
        args: [nowIso, nowIso, tenant, this.owner, ...ids],
      });
    }
    for (const d of decisions) {
      if (delivered.includes(d)) continue;
      statements.push({
        // Only while the lease is still ours: a dispatcher that took the row over decides instead.
        sql: `UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?,
              delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END, document_code = coalesce(?, document_code), external_ref = coalesce(?, external_ref)
              WHERE tenant = ? AND id = ? AND lease_owner = ?`,
        args: [d.status, d.attempts, d.nextAttemptAt, d.error, nowIso, d.status, nowIso, d.refs?.documentCode ?? null, d.refs?.externalRef ?? null, tenant, d.delivery.id, this.owner],
      });
    }
    const attempts: SqlValue[][] = decisions.flatMap((d) => [
      ...(d.lookup ? [[tenant, newId('att'), d.delivery.id, d.delivery.target, d.lookup.startedAt, d.lookup.durationMs, d.lookup.outcome, null, null, null]] : []),
      ...(d.attempt
        ? [[tenant, newId('att'), d.delivery.id, d.delivery.target, d.attempt.startedAt, d.attempt.durationMs, d.attempt.outcome, json(d.attempt.request), json(d.attempt.response), d.attempt.error ?? null]]
        : []),
    ]);
    statements.push(...this.deadLetterNotices(tenant, decisions, nowIso));
    return [...statements, ...insertRows('delivery_attempts', ['tenant', 'id', 'delivery_id', 'target', 'started_at', 'duration_ms', 'outcome', 'request', 'response', 'error'], attempts)];
  }

  /** One notice per delivery that just died (not for a notice itself: a dead bot must not talk about itself forever). */
  private deadLetterNotices(tenant: string, decisions: Decision[], nowIso: string): Statement[] {
    const notice = this.options.deadLetterNotice;
    if (!notice) return [];
    const rows = decisions
      .filter((d) => d.status === 'dead' && d.delivery.kind !== 'notify.dead_letter')
      .map((d) => {
        const payload = { deliveryId: d.delivery.id, target: d.delivery.target, kind: d.delivery.kind, attempts: d.attempts, error: maskPersonalData(d.error), ...(d.delivery.order ? { channel: d.delivery.order.channel, externalId: d.delivery.order.externalId } : {}) };
        // One key per death (the notice is written with it, atomically): a replay that dies again is told again.
        const id = newId('dlv');
        return [tenant, id, notice.target, 'notify.dead_letter', `notify.dead_letter/${d.delivery.idempotencyKey}/${id}`, d.delivery.orderId, null, JSON.stringify(payload), 'pending', 0, nowIso, nowIso, nowIso];
      });
    return insertRows('outbox', ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'after_key', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'], rows, 'ON CONFLICT DO NOTHING');
  }

  /**
   * Runs a call within its target's limits: a queue per target bounds its calls in flight; the
   * window gate makes sure no window of `perMs` ever holds more than `calls`, counting the calls
   * made before a restart too.
   */
  private async limited<T>(delivery: Delivery, call: () => Promise<T>): Promise<{ result: T; startedAt: Date }> {
    const entry = this.limiter(delivery.tenant, delivery.target);
    const { queue, gate } = entry;
    return queue.add(async () => {
      await (await gate)?.pass();
      // The attempt starts when the call goes out, not when it was queued: limits count from here.
      const startedAt = this.now();
      return { result: await call(), startedAt };
    }) as Promise<{ result: T; startedAt: Date }>;
  }

  /** The queue and window gate of one tenant's target, made on first use (synchronously: concurrent first calls must share one). */
  private limiter(tenant: string, target: string): { queue: PQueue; gate: Promise<WindowGate | null> } {
    const key = `${tenant}\u0000${target}`;
    let entry = this.limiters.get(key);
    if (!entry) {
      const limits = this.limitsOf(target);
      const paced = limits.calls !== undefined && limits.perMs !== undefined;
      const gate = paced
        ? this.store
            .query('SELECT started_at FROM delivery_attempts WHERE tenant = ? AND target = ? ORDER BY started_at DESC LIMIT ?', [tenant, target, limits.calls!])
            // The target counts arrivals, which jitter against our send times: a little headroom.
            .then((rows) => new WindowGate(limits.calls!, Math.ceil(limits.perMs! * WINDOW_HEADROOM), rows.map((r) => Date.parse(String(r.started_at)))))
        : Promise.resolve(null);
      entry = { queue: new PQueue({ concurrency: limits.concurrency ?? (paced ? PACED_CONCURRENCY : Number.POSITIVE_INFINITY) }), gate };
      this.limiters.set(key, entry);
    }
    return entry;
  }

  private limitsOf(target: string): TargetLimits {
    return { ...this.adapters[target]!.limits, ...this.options.limits?.[target] };
  }

  /**
   * How many of a target's rows one round claims: for a paced target, what its limit lets out
   * in the next ROUND_MS less what is already waiting for it (0: none this round); otherwise a
   * batch.
   */
  private async roundShare(tenant: string, target: string): Promise<number> {
    const batch = this.options.batchSize ?? DEFAULTS.batchSize;
    const limiter = this.limiter(tenant, target);
    const gate = await limiter.gate;
    if (!gate) return batch;
    return Math.min(batch, Math.max(0, gate.slotsWithin(ROUND_MS) - limiter.queue.size - limiter.queue.pending));
  }

  private later(ms: number): string {
    return new Date(this.now().getTime() + ms).toISOString();
  }

  private backoff(): BackoffPolicy {
    return this.options.backoff ?? DEFAULTS.backoff;
  }

  private random(): number {
    return (this.options.random ?? Math.random)();
  }
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
