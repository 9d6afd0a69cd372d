/** One order: what it is, why it is held, its timeline, raw payloads, stock, routing and deliveries. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { json, time, yuan } from '../format.ts';
import { t } from '../i18n.ts';
import { Panel } from '../components.tsx';
import { DeliveryTable, type DeliveryRow } from './Deliveries.tsx';
import type { OrderRow } from './Orders.tsx';

interface OrderDetail {
  order: OrderRow & {
    afterSale: string;
    placedAt: string;
    doc: { receiver?: { name: string; phone: string; province: string; city: string; district: string; address: string }; lines: Array<{ lineId: string; sku: string; title: string; quantity: number; amount: number }> };
    flags: Array<{ kind: string; detail?: unknown }> | null;
    shipments: unknown;
  };
  timeline: Array<{ id: string; at: string; kind: string; source: string | null; detail: unknown }>;
  inbox: Array<{ id: string; receivedAt: string; payload: string }>;
  reservations: Array<{ id: string; sku: string; location: string; quantity: number; status: string }>;
  deliveries: DeliveryRow[];
}

export function OrderPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<OrderDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reveal, setReveal] = useState(false);
  const load = () =>
    void api<OrderDetail>(`/orders/${id}${reveal ? '?reveal=true' : ''}`)
      .then((d) => (setDetail(d), setError(null)))
      .catch((e: Error) => setError(e.message));
  useEffect(load, [id, reveal]);

  const release = async () => {
    try {
      await api(`/orders/${id}/release`, { method: 'POST' });
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (!detail) return error ? <p class="error">{error}</p> : <p>{t('common.loading')}</p>;
  const { order } = detail;
  const receiver = order.doc.receiver;
  return (
    <section>
      <h2 data-testid="order-title">
        {order.channel} · {order.externalId} <span class="badge">{order.status}</span> <span class="badge">{order.stage}</span>
      </h2>
      {error && <p class="error">{error}</p>}
      <p>
        {time(order.placedAt)} · {order.buyer} · {yuan(order.paid)}
      </p>
      {receiver && (
        <p data-testid="receiver">
          {receiver.name} {receiver.phone} · {receiver.province}
          {receiver.city}
          {receiver.district} {receiver.address}{' '}
          {!reveal && (
            <button type="button" onClick={() => setReveal(true)}>
              {t('order.reveal')}
            </button>
          )}
        </p>
      )}
      {order.holds && (
        <div class="panel held">
          <h3>{t('order.holds')}</h3>
          <ul>
            {order.holds.map((h) => (
              <li>
                {h.rule}: {h.reason}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void release()}>
            {t('order.release')}
          </button>
        </div>
      )}
      {order.flags && (
        <Panel title={t('order.flags')}>
          <pre>{json(order.flags)}</pre>
        </Panel>
      )}
      <div class="grid2">
        <Panel title={t('order.timeline')}>
          <ol class="timeline" data-testid="timeline">
            {detail.timeline.map((e) => (
              <li key={e.id}>
                <strong>{e.kind}</strong> <span class="muted">{time(e.at)}</span> {e.source && <code>{e.source}</code>}
                <details>
                  <summary>detail</summary>
                  <pre>{json(e.detail)}</pre>
                </details>
              </li>
            ))}
          </ol>
        </Panel>
        <Panel title={t('order.shipments')}>
          <pre>{json(order.shipments)}</pre>
          <h3>{t('order.reservations')}</h3>
          <table>
            <tbody>
              {detail.reservations.map((r) => (
                <tr key={r.id}>
                  <td>{r.sku}</td>
                  <td>{r.location}</td>
                  <td class="num">{r.quantity}</td>
                  <td>{r.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
      <Panel title={t('order.deliveries')}>
        <DeliveryTable rows={detail.deliveries} onChange={load} />
      </Panel>
      <Panel title={t('order.inbox')}>
        {detail.inbox.map((i) => (
          <details key={i.id}>
            <summary>
              <code>{i.id}</code> {time(i.receivedAt)}
            </summary>
            <pre>{i.payload}</pre>
          </details>
        ))}
      </Panel>
    </section>
  );
}
