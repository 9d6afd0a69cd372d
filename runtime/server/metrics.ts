/**
 * GET /metrics in the Prometheus text format, read from the database at scrape time: every
 * process (and, on Workers, every isolate) writes the same tables, so any one of them answers
 * for all, and the numbers survive restarts. That is also why this is not prom-client, whose
 * registry counts what one process saw.
 */
import type { Row, Store } from '../../core/store/port.ts';

/** Upper bounds of the attempt latency histogram, in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;
export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Array<{ suffix?: string; labels: Labels; value: number }>;
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function formatMetrics(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${family.name}${sample.suffix ?? ''}${labels.length ? `{${labels.join(',')}}` : ''} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const samples = (rows: Row[], labels: string[], value = 'n') => rows.map((r) => ({ labels: Object.fromEntries(labels.map((l) => [l, String(r[l])])), value: Number(r[value]) }));

export async function collectMetrics(store: Store): Promise<Family[]> {
  const [orders, inbox, quarantine, deliveries, attempts, shortfalls] = await Promise.all([
    store.query('SELECT tenant, channel, count(*) AS n FROM orders GROUP BY tenant, channel'),
    store.query('SELECT tenant, channel, status, count(*) AS n FROM inbox GROUP BY tenant, channel, status'),
    store.query('SELECT tenant, channel, count(*) AS n FROM quarantine WHERE resolved_at IS NULL GROUP BY tenant, channel'),
    store.query('SELECT tenant, target, status, count(*) AS n FROM outbox GROUP BY tenant, target, status'),
    store.query(
      `SELECT tenant, target, outcome, count(*) AS n, sum(duration_ms) AS total_ms,
        ${LATENCY_BUCKETS.map((b, i) => `sum(duration_ms <= ${b * 1000}) AS le${i}`).join(', ')}
       FROM delivery_attempts GROUP BY tenant, target, outcome`,
    ),
    store.query('SELECT tenant, count(*) AS n FROM shortfalls WHERE resolved_at IS NULL GROUP BY tenant'),
  ]);

  // The latency histogram is per target: outcomes summed.
  const latency = new Map<string, { labels: Labels; buckets: number[]; count: number; sumMs: number }>();
  for (const row of attempts) {
    const key = `${row.tenant}\u0000${row.target}`;
    const entry = latency.get(key) ?? { labels: { tenant: String(row.tenant), target: String(row.target) }, buckets: LATENCY_BUCKETS.map(() => 0), count: 0, sumMs: 0 };
    LATENCY_BUCKETS.forEach((_, i) => (entry.buckets[i]! += Number(row[`le${i}`] ?? 0)));
    entry.count += Number(row.n);
    entry.sumMs += Number(row.total_ms ?? 0);
    latency.set(key, entry);
  }

  return [
    { name: 'hub_orders_total', help: 'Orders the hub knows, by channel.', type: 'counter', samples: samples(orders, ['tenant', 'channel']) },
    { name: 'hub_inbox_total', help: 'Payloads received, by channel and what became of them (processed, quarantined).', type: 'counter', samples: samples(inbox, ['tenant', 'channel', 'status']) },
    { name: 'hub_quarantine_open', help: 'Quarantined payloads not yet replayed successfully.', type: 'gauge', samples: samples(quarantine, ['tenant', 'channel']) },
    { name: 'hub_deliveries', help: 'Outbox rows by target and status (pending is the queue depth; dead the dead-letter queue).', type: 'gauge', samples: samples(deliveries, ['tenant', 'target', 'status']) },
    { name: 'hub_delivery_attempts_total', help: 'Delivery attempts by target and outcome.', type: 'counter', samples: samples(attempts, ['tenant', 'target', 'outcome']) },
    {
      name: 'hub_delivery_attempt_duration_seconds',
      help: 'How long delivery attempts took, by target.',
      type: 'histogram',
      samples: [...latency.values()].flatMap((h) => [
        ...LATENCY_BUCKETS.map((b, i) => ({ suffix: '_bucket', labels: { ...h.labels, le: String(b) }, value: h.buckets[i]! })),
        { suffix: '_bucket', labels: { ...h.labels, le: '+Inf' }, value: h.count },
        { suffix: '_sum', labels: h.labels, value: h.sumMs / 1000 },
        { suffix: '_count', labels: h.labels, value: h.count },
      ]),
    },
    { name: 'hub_stock_shortfalls_open', help: 'Order lines waiting for stock (backorders and holds).', type: 'gauge', samples: samples(shortfalls, ['tenant']) },
  ];
}
