/** The order list: filters, search, cursor paging. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { FilterSelect } from '../components.tsx';
import { time, yuan } from '../format.ts';
import { t } from '../i18n.ts';

const CHANNELS = ['tmall', 'jd', 'douyin', 'youzan', 'pos', 'webhook'];
const STATUSES = ['pending_payment', 'paid', 'partially_shipped', 'shipped', 'completed', 'cancelled'];

export interface OrderRow {
  id: string;
  channel: string;
  shop: string | null;
  externalId: string;
  status: string;
  stage: string;
  paid: number;
  buyer: string | null;
  receiver: { name: string; phone: string; province: string; city: string } | null;
  receivedAt: string;
  holds: Array<{ rule: string; reason: string }> | null;
}

export function OrdersPage({ params }: { params: URLSearchParams }) {
  const [filter, setFilter] = useState({ channel: params.get('channel') ?? '', status: params.get('status') ?? '', q: params.get('q') ?? '', held: params.get('held') === 'true' });
  const [rows, setRows] = useState<OrderRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (cursor?: string) => {
    try {
      const page = await api<{ orders: OrderRow[]; next: string | null }>(`/orders${query({ ...filter, held: filter.held ? true : undefined, cursor, limit: 50 })}`);
      setRows((current) => (cursor ? [...current, ...page.orders] : page.orders));
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), [filter.channel, filter.status, filter.held]);

  return (
    <section>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <FilterSelect label={t('col.channel')} value={filter.channel} choices={CHANNELS} onChange={(channel) => setFilter({ ...filter, channel })} />
        <FilterSelect label={t('col.status')} value={filter.status} choices={STATUSES} onChange={(status) => setFilter({ ...filter, status })} />
        <label>
          <input type="checkbox" checked={filter.held} onChange={(e) => setFilter({ ...filter, held: e.currentTarget.checked })} /> {t('orders.heldOnly')}
        </label>
        <input type="search" name="q" placeholder={t('orders.search')} value={filter.q} onInput={(e) => setFilter({ ...filter, q: e.currentTarget.value })} />
        <button type="submit">{t('common.refresh')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      <table data-testid="orders">
        <thead>
          <tr>
            <th>{t('col.received')}</th>
            <th>{t('col.channel')}</th>
            <th>{t('col.externalId')}</th>
            <th>{t('col.status')}</th>
            <th>{t('col.stage')}</th>
            <th>{t('col.buyer')}</th>
            <th>{t('col.receiver')}</th>
            <th class="num">{t('col.paid')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((o) => (
            <tr key={o.id} class={o.holds ? 'held' : ''}>
              <td>{time(o.receivedAt)}</td>
              <td>{o.channel}</td>
              <td>
                <a href={`#/orders/${o.id}`}>{o.externalId}</a>
              </td>
              <td>{o.status}</td>
              <td>{o.holds ? `${o.stage} ⏸` : o.stage}</td>
              <td>{o.buyer}</td>
              <td>{o.receiver ? `${o.receiver.name} ${o.receiver.phone} ${o.receiver.province}` : ''}</td>
              <td class="num">{yuan(o.paid)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !error && <p class="muted">{t('orders.none')}</p>}
      {next && (
        <button type="button" onClick={() => void load(next)}>
          {t('orders.more')}
        </button>
      )}
    </section>
  );
}
