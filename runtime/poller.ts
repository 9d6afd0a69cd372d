/**
 * Pulling a shop's orders by modified time, window after window, page after page. The cursor
 * is stored after every page, so a restart resumes where it stopped; windows overlap a little
 * (clocks, platform lag) and end a little before now, and dedupe absorbs the overlap.
 */
import type { PullRequest } from '../core/connector/types.ts';
import type { Pipeline } from '../core/ingest/pipeline.ts';
import type { Store } from '../core/store/port.ts';
import type { ShopBinding } from './intake.ts';

export interface PullOptions {
  /** How far a new window reaches (TOP advises 30 minutes, and allows at most a day). */
  windowMinutes: number;
  /** How much a new window goes back over the last one. */
  overlapMinutes: number;
  /** How far behind now a window ends: the platform's own lag. */
  lagMinutes: number;
  /** Where the first window starts, when the shop has no cursor yet. */
  firstFrom: Date;
  /** Pages one call pulls at most, so one shop cannot hold up the others. */
  maxPages: number;
  /**
   * A throttled or unavailable platform is waited out and the page asked again, this many times
   * per run, each wait at most `maxWaitMs` (the platform's own wait where it gives one); a
   * longer wait ends the run, and the next run resumes from the cursor.
   */
  retries: number;
  maxWaitMs: number;
  /** Set by the sweep: which listed orders the store already has, so their details are not fetched again. */
  known?: PullRequest['known'];
}

export const DEFAULT_PULL: Omit<PullOptions, 'firstFrom'> = { windowMinutes: 30, overlapMinutes: 5, lagMinutes: 3, maxPages: 50, retries: 3, maxWaitMs: 60_000 };

export interface PullReport {
  pages: number;
  orders: number;
  created: number;
  /** Times the run waited for a throttled or unavailable platform. */
  waits: number;
  /** The window is finished up to here. */
  doneTo: string;
  error?: string;
}

const minutes = (n: number) => n * 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function pullShop(store: Store, pipeline: Pipeline, binding: ShopBinding, options: PullOptions, now = new Date(), key = binding.shop): Promise<PullReport> {
  const { connector, tenant, channel } = binding;
  const report: PullReport = { pages: 0, orders: 0, created: 0, waits: 0, doneTo: options.firstFrom.toISOString() };
  if (!connector.pull) return report;
  const [row] = await store.query('SELECT window_from, window_to, cursor, done_to FROM pull_cursors WHERE tenant = ? AND channel = ? AND shop = ?', [tenant, channel, key]);
  let doneTo = row?.done_to ? new Date(String(row.done_to)) : options.firstFrom;
  let window = row?.window_from && row.window_to && (row.cursor || String(row.done_to) < String(row.window_to)) ? { from: String(row.window_from), to: String(row.window_to), cursor: row.cursor ? String(row.cursor) : undefined } : null;
  const end = now.getTime() - minutes(options.lagMinutes);
  while (report.pages < options.maxPages) {
    if (!window) {
      // `firstFrom` bounds only a shop's very first pull: after downtime the cursor resumes where it stopped.
      const from = row?.done_to ? new Date(doneTo.getTime() - minutes(options.overlapMinutes)) : new Date(Math.max(options.firstFrom.getTime(), doneTo.getTime() - minutes(options.overlapMinutes)));
      const to = new Date(Math.min(from.getTime() + minutes(options.windowMinutes), end));
      if (to.getTime() <= doneTo.getTime()) break;
      window = { from: from.toISOString(), to: to.toISOString(), cursor: undefined };
    }
    const page = await connector.pull({ from: window.from, to: window.to, ...(window.cursor ? { cursor: window.cursor } : {}), ...(options.known ? { known: options.known } : {}) });
    if (!page.ok) {
      const wait = page.outcome.outcome === 'retry' ? (page.outcome.afterMs ?? 1000 * 2 ** report.waits) : Number.POSITIVE_INFINITY;
      if (report.waits < options.retries && wait <= options.maxWaitMs) {
        report.waits++;
        await sleep(wait);
        continue;
      }
      report.error = page.outcome.reason;
      break;
    }
    report.pages++;
    const results = await Promise.all(page.orders.map((payload) => pipeline.ingest({ tenant, channel, shop: binding.shop, payload, meta: { pulled: window!.from } })));
    report.orders += page.orders.length;
    report.created += results.flatMap((r) => r.orders).filter((o) => o.outcome === 'created').length;
    if (page.next === null) {
      doneTo = new Date(window.to);
      await saveCursor(store, binding, key, window.from, window.to, null, doneTo.toISOString(), page.orders.length, now);
      window = null;
    } else {
      window.cursor = page.next;
      await saveCursor(store, binding, key, window.from, window.to, page.next, doneTo.toISOString(), page.orders.length, now);
    }
  }
  report.doneTo = doneTo.toISOString();
  return report;
}

async function saveCursor(store: Store, binding: ShopBinding, key: string, from: string, to: string, cursor: string | null, doneTo: string, pulled: number, now: Date): Promise<void> {
  await store.batch([
    {
      sql: `INSERT INTO pull_cursors (tenant, channel, shop, window_from, window_to, cursor, done_to, pulled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant, channel, shop) DO UPDATE SET window_from = excluded.window_from, window_to = excluded.window_to, cursor = excluded.cursor,
            done_to = excluded.done_to, pulled = pulled + excluded.pulled, updated_at = excluded.updated_at`,
      args: [binding.tenant, binding.channel, key, from, to, cursor, doneTo, pulled, now.toISOString()],
    },
  ]);
}

/**
 * The no-missed-orders sweep: lists a past window again (pages shift while they are read, a
 * platform indexes late), compares what it lists with the store, fetches only what the store
 * lacks or holds older, and says how many orders it found that the store did not have.
 */
export async function sweepShop(store: Store, pipeline: Pipeline, binding: ShopBinding, from: Date, to: Date): Promise<SweepReport> {
  const key = `${binding.shop}#sweep`;
  await store.batch([{ sql: 'DELETE FROM pull_cursors WHERE tenant = ? AND channel = ? AND shop = ?', args: [binding.tenant, binding.channel, key] }]);
  const known = knownOrders(store, binding);
  const total: SweepReport = { from: from.toISOString(), to: to.toISOString(), pages: 0, listedAgain: 0, found: 0 };
  for (;;) {
    const report = await pullShop(store, pipeline, binding, { ...DEFAULT_PULL, windowMinutes: (to.getTime() - from.getTime()) / 60_000, overlapMinutes: 0, lagMinutes: 0, firstFrom: from, maxPages: 1000, known }, to, key);
    total.pages += report.pages;
    total.listedAgain += report.orders;
    total.found += report.created;
    if (report.error) return { ...total, error: report.error };
    if (report.pages === 0 || report.doneTo >= to.toISOString()) return total;
  }
}

export interface SweepReport {
  from: string;
  to: string;
  pages: number;
  /** Orders that came through again (fetched or listed whole). */
  listedAgain: number;
  /** Orders the store did not have: each one was missed by the regular pulls and pushes. */
  found: number;
  error?: string;
}

/** Of the listed orders, those the store holds at that modified time or later. */
function knownOrders(store: Store, binding: ShopBinding): NonNullable<PullRequest['known']> {
  return async (listed) => {
    const known = new Set<string>();
    for (let i = 0; i < listed.length; i += 200) {
      const chunk = listed.slice(i, i + 200);
      const rows = await store.query(
        `SELECT external_id, updated_ms FROM orders WHERE tenant = ? AND channel = ? AND external_id IN (${chunk.map(() => '?').join(', ')})`,
        [binding.tenant, binding.channel, ...chunk.map((o) => o.externalId)],
      );
      const stored = new Map(rows.map((r) => [String(r.external_id), Number(r.updated_ms)]));
      for (const o of chunk) if ((stored.get(o.externalId) ?? -1) >= o.modifiedMs) known.add(o.externalId);
    }
    return known;
  };
}
