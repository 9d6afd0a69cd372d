/** Stock levels with low-stock warnings, what is reserved, and each channel's available-to-sell. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { time } from '../format.ts';
import { t } from '../i18n.ts';
import { Panel } from '../components.tsx';
import type { StockLevelView } from '../../../../core/stock/queries.ts';

export function StockPage() {
  const [lowAt, setLowAt] = useState(10);
  const [sku, setSku] = useState('');
  const [levels, setLevels] = useState<StockLevelView[]>([]);
  const [channels, setChannels] = useState<Array<{ channel: string; sku: string; available: number }>>([]);
  const [reservations, setReservations] = useState<Array<{ id: string; orderId: string; sku: string; location: string; quantity: number }>>([]);
  useEffect(() => {
    void api<{ levels: StockLevelView[] }>(`/stock/levels${query({ sku })}`).then((d) => setLevels(d.levels));
    void api<{ channels: typeof channels }>(`/stock/channels${query({ sku })}`).then((d) => setChannels(d.channels));
    void api<{ reservations: typeof reservations }>(`/stock/reservations${query({ sku })}`).then((d) => setReservations(d.reservations.slice(0, 50)));
  }, [sku]);
  const channelNames = [...new Set(channels.map((c) => c.channel))].sort();
  const skus = [...new Set(levels.map((l) => l.sku))];
  return (
    <section>
      <div class="filters">
        <input type="search" placeholder={t('col.sku')} value={sku} onChange={(e) => setSku(e.currentTarget.value.trim())} />
        <label>
          {t('stock.lowAt')} <input type="number" min={0} value={lowAt} onInput={(e) => setLowAt(Number(e.currentTarget.value))} />
        </label>
      </div>
      <Panel title={t('stock.levels')}>
        <table data-testid="stock-levels">
          <thead>
            <tr>
              <th>{t('col.sku')}</th>
              <th>{t('col.title')}</th>
              <th>{t('col.location')}</th>
              <th class="num">{t('col.onHand')}</th>
              <th class="num">{t('col.reserved')}</th>
              <th class="num">{t('col.safety')}</th>
              <th class="num">{t('col.available')}</th>
              <th>{t('col.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {levels.map((l) => (
              <tr key={`${l.sku}@${l.location}`} class={l.available <= lowAt ? 'low' : ''}>
                <td>{l.sku}</td>
                <td>{l.title}</td>
                <td>{l.location}</td>
                <td class="num">{l.onHand}</td>
                <td class="num">{l.reserved}</td>
                <td class="num">{l.safety}</td>
                <td class="num">
                  {l.available} {l.available <= lowAt && <span class="badge bad">{t('stock.low')}</span>}
                </td>
                <td>{time(l.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <div class="grid2">
        <Panel title={t('stock.channels')}>
          <table>
            <thead>
              <tr>
                <th>{t('col.sku')}</th>
                {channelNames.map((c) => (
                  <th class="num">{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {skus.map((s) => (
                <tr key={s}>
                  <td>{s}</td>
                  {channelNames.map((c) => (
                    <td class="num">{channels.find((x) => x.sku === s && x.channel === c)?.available ?? '–'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
        <Panel title={t('stock.reservations')}>
          <table>
            <tbody>
              {reservations.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`#/orders/${r.orderId}`}>{r.orderId.slice(-8)}</a>
                  </td>
                  <td>{r.sku}</td>
                  <td>{r.location}</td>
                  <td class="num">{r.quantity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
    </section>
  );
}
