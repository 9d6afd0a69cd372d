/** Orders per minute by channel, sales, top SKUs, orders by province, delivery health; refreshed every 5 s. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Chart, type ChartOption } from '../chart.tsx';
import { Panel } from '../components.tsx';
import { yuan } from '../format.ts';
import { t } from '../i18n.ts';
import { PROVINCE_TILES, provinceName } from '../provinces.ts';

interface Dashboard {
  since: string;
  orders: {
    perMinute: Array<{ minute: string; channel: string; orders: number; paid: number }>;
    topSkus: Array<{ sku: string; title: string; quantity: number; amount: number }>;
    provinces: Array<{ province: string; orders: number; paid: number }>;
    held: number;
  };
  targets: Array<{ target: string; pending: number; unknown: number; dead: number; delivered: number; attempts: number; successRate: number | null; p50Ms: number | null; p95Ms: number | null }>;
  quarantineOpen: number;
}

const WINDOW_MINUTES = 60;

/** The window's minutes, oldest first, as local HH:MM labels beside their UTC keys. */
function minutes(since: string): Array<{ key: string; label: string }> {
  const start = Math.ceil(Date.parse(since) / 60_000) * 60_000;
  return Array.from({ length: WINDOW_MINUTES }, (_, i) => {
    const at = new Date(start + i * 60_000);
    return { key: at.toISOString().slice(0, 16), label: at.toTimeString().slice(0, 5) };
  });
}

export function DashboardPage() {
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () =>
      api<Dashboard>(`/dashboard?minutes=${WINDOW_MINUTES}`)
        .then((d) => alive && (setData(d), setError(null)))
        .catch((e: Error) => alive && setError(e.message));
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  const charts = useMemo(() => (data ? chartsOf(data) : null), [data]);
  if (error) return <p class="error">{error}</p>;
  if (!data || !charts) return <p>{t('common.loading')}</p>;
  const total = data.orders.perMinute.reduce((n, m) => n + m.orders, 0);
  const gmv = data.orders.perMinute.reduce((n, m) => n + m.paid, 0);
  const dead = data.targets.reduce((n, x) => n + x.dead, 0);
  return (
    <section>
      <p class="muted">{t('dash.window', { n: WINDOW_MINUTES })}</p>
      <div class="cards">
        <Card label={t('dash.orders')} value={String(total)} testId="kpi-orders" />
        <Card label={t('dash.gmv')} value={yuan(gmv)} testId="kpi-gmv" />
        <Card label={t('dash.held')} value={String(data.orders.held)} href="#/orders?held=true" />
        <Card label={t('dash.quarantine')} value={String(data.quarantineOpen)} />
        <Card label={t('dash.dead')} value={String(dead)} href="#/deliveries?status=dead" />
      </div>
      <div class="grid2">
        <Panel title={t('dash.perMinute')}>
          <Chart option={charts.perMinute} testId="chart-per-minute" />
        </Panel>
        <Panel title={t('dash.gmvTrend')}>
          <Chart option={charts.gmv} />
        </Panel>
        <Panel title={t('dash.topSkus')}>
          <Chart option={charts.topSkus} />
        </Panel>
        <Panel title={t('dash.provinces')}>
          <Chart option={charts.provinces} testId="chart-provinces" />
        </Panel>
      </div>
      <Panel title={t('dash.targets')}>
        <table data-testid="target-health">
          <thead>
            <tr>
              <th>{t('col.target')}</th>
              <th>{t('col.successRate')}</th>
              <th>{t('col.p50')}</th>
              <th>{t('col.p95')}</th>
              <th>{t('col.delivered')}</th>
              <th>{t('col.pending')}</th>
              <th>{t('col.unknown')}</th>
              <th>{t('col.dead')}</th>
            </tr>
          </thead>
          <tbody>
            {data.targets.map((x) => (
              <tr key={x.target}>
                <td>
                  <a href={`#/deliveries?target=${encodeURIComponent(x.target)}`}>{x.target}</a>
                </td>
                <td class={x.successRate !== null && x.successRate < 0.9 ? 'bad' : ''}>{x.successRate === null ? '–' : `${Math.round(x.successRate * 1000) / 10}%`}</td>
                <td>{x.p50Ms === null ? '–' : `${x.p50Ms} ms`}</td>
                <td>{x.p95Ms === null ? '–' : `${x.p95Ms} ms`}</td>
                <td>{x.delivered}</td>
                <td>{x.pending}</td>
                <td>{x.unknown}</td>
                <td class={x.dead ? 'bad' : ''}>{x.dead}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </section>
  );
}

function chartsOf(data: Dashboard): Record<'perMinute' | 'gmv' | 'topSkus' | 'provinces', ChartOption> {
  const axis = minutes(data.since);
  const channels = [...new Set(data.orders.perMinute.map((m) => m.channel))].sort();
  const at = new Map(data.orders.perMinute.map((m) => [`${m.minute}|${m.channel}`, m]));
  const byProvince = new Map<string, number>();
  for (const p of data.orders.provinces) byProvince.set(provinceName(p.province), (byProvince.get(provinceName(p.province)) ?? 0) + p.orders);
  const most = Math.max(1, ...byProvince.values());
  return {
    perMinute: {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 36, right: 12, top: 32, bottom: 24 },
      xAxis: { type: 'category', data: axis.map((m) => m.label) },
      yAxis: { type: 'value', minInterval: 1 },
      series: channels.map((channel) => ({ name: channel, type: 'bar', stack: 'orders', data: axis.map((m) => at.get(`${m.key}|${channel}`)?.orders ?? 0) })),
    },
    gmv: {
      // Sums stay integer fen; only the labels turn them into yuan text.
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => yuan(v) },
      grid: { left: 72, right: 12, top: 16, bottom: 24 },
      xAxis: { type: 'category', data: axis.map((m) => m.label) },
      yAxis: { type: 'value', minInterval: 100, axisLabel: { formatter: (v: number) => yuan(v).replace(/\.00$/, '') } },
      series: [{ type: 'line', smooth: true, areaStyle: {}, data: axis.map((m) => channels.reduce((n, c) => n + (at.get(`${m.key}|${c}`)?.paid ?? 0), 0)) }],
    },
    topSkus: {
      tooltip: {},
      grid: { left: 130, right: 24, top: 8, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: data.orders.topSkus.map((s) => s.sku) },
      series: [{ type: 'bar', data: data.orders.topSkus.map((s) => ({ value: s.quantity, name: s.title })) }],
    },
    provinces: {
      tooltip: { formatter: (p: { data: [number, number, number, string] }) => `${p.data[3]}: ${p.data[2]}` },
      grid: { left: 8, right: 8, top: 8, bottom: 40 },
      xAxis: { type: 'category', data: Array.from({ length: 11 }, (_, i) => i), show: false },
      yAxis: { type: 'category', data: Array.from({ length: 8 }, (_, i) => i), inverse: true, show: false },
      visualMap: { dimension: 2, min: 0, max: most, orient: 'horizontal', left: 'center', bottom: 0, calculable: false, inRange: { color: ['#eef3fb', '#1d4ed8'] } },
      series: [
        {
          type: 'heatmap',
          data: PROVINCE_TILES.map((p) => [p.x, p.y, byProvince.get(p.name) ?? 0, p.name]),
          label: { show: true, formatter: (p: { data: [number, number, number, string] }) => p.data[3] },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
        },
      ],
    },
  };
}

function Card({ label, value, href, testId }: { label: string; value: string; href?: string; testId?: string }) {
  const body = (
    <>
      <div class="card-value" data-testid={testId}>
        {value}
      </div>
      <div class="card-label">{label}</div>
    </>
  );
  return <div class="card">{href ? <a href={href}>{body}</a> : body}</div>;
}
