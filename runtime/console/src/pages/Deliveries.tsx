/** Deliveries per target and status; each with its attempts (request and response), dead ones replayable. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { FilterSelect } from '../components.tsx';
import { json, time } from '../format.ts';
import { t } from '../i18n.ts';

const STATUSES = ['pending', 'sending', 'unknown', 'delivered', 'dead', 'superseded'];

export interface DeliveryRow {
  id: string;
  target: string;
  kind: string;
  status: string;
  attempts: number | Attempt[];
  last_error: string | null;
  order_id: string | null;
  /** The hub's number for the document in the target, and the target's own (an SF waybill …). */
  document_code?: string | null;
  external_ref?: string | null;
  updated_at: string;
}

interface Attempt {
  id: string;
  started_at: string;
  duration_ms: number;
  outcome: string;
  request: unknown;
  response: unknown;
  error: string | null;
}

/** One delivery's attempts, loaded when opened. */
export function Attempts({ id }: { id: string }) {
  const [attempts, setAttempts] = useState<Attempt[] | null>(null);
  useEffect(() => void api<{ attempts: Attempt[] }>(`/deliveries/${id}`).then((d) => setAttempts(d.attempts)), [id]);
  if (!attempts) return <p class="muted">{t('common.loading')}</p>;
  if (attempts.length === 0) return <p class="muted">{t('dlv.noAttempts')}</p>;
  return (
    <ol class="attempts">
      {attempts.map((a) => (
        <li key={a.id}>
          <strong class={a.outcome === 'delivered' ? 'good' : 'bad'}>{a.outcome}</strong> {time(a.started_at)} · {a.duration_ms} ms {a.error && <span class="error">{a.error}</span>}
          <details>
            <summary>{t('dlv.request')}</summary>
            <pre>{json(a.request)}</pre>
          </details>
          <details>
            <summary>{t('dlv.response')}</summary>
            <pre>{json(a.response)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}

/** A table of deliveries: open a row for its attempts; a dead one has a replay button. */
export function DeliveryTable({ rows, onChange }: { rows: DeliveryRow[]; onChange: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const replay = async (id: string) => {
    try {
      const { replayed } = await api<{ replayed: number }>(`/deliveries/${id}/replay`, { method: 'POST' });
      setNote(t('dlv.replayed', { n: replayed }));
      onChange();
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <>
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      <table data-testid="deliveries">
        <thead>
          <tr>
            <th>{t('col.target')}</th>
            <th>{t('col.kind')}</th>
            <th>{t('col.status')}</th>
            <th>{t('col.order')}</th>
            <th>{t('col.document')}</th>
            <th>{t('col.lastError')}</th>
            <th>{t('col.updated')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => [
            <tr key={d.id} data-status={d.status}>
              <td>{d.target}</td>
              <td>
                <a
                  href="#"
                  onClick={(e) => {
                    e.preventDefault();
                    setOpen(open === d.id ? null : d.id);
                  }}
                >
                  {d.kind}
                </a>
              </td>
              <td class={d.status === 'dead' ? 'bad' : d.status === 'delivered' ? 'good' : ''}>{d.status}</td>
              <td>{d.order_id && <a href={`#/orders/${d.order_id}`}>{d.order_id.slice(-8)}</a>}</td>
              <td class="document">{[d.document_code, d.external_ref].filter(Boolean).join(' / ')}</td>
              <td class="error">{d.last_error}</td>
              <td>{time(d.updated_at)}</td>
              <td>
                {d.status === 'dead' && (
                  <button type="button" onClick={() => void replay(d.id)}>
                    {t('dlv.replay')}
                  </button>
                )}
              </td>
            </tr>,
            open === d.id && (
              <tr key={`${d.id}-attempts`}>
                <td colSpan={8}>
                  <Attempts id={d.id} />
                </td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </>
  );
}

export function DeliveriesPage({ params }: { params: URLSearchParams }) {
  const [filter, setFilter] = useState({ target: params.get('target') ?? '', status: params.get('status') ?? '' });
  const [rows, setRows] = useState<DeliveryRow[]>([]);
  const [targets, setTargets] = useState<string[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const load = () => void api<{ deliveries: DeliveryRow[] }>(`/deliveries${query({ ...filter, limit: 100 })}`).then((d) => setRows(d.deliveries));
  useEffect(load, [filter.target, filter.status]);
  useEffect(() => void api<{ targets: Array<{ target: string }> }>('/targets/health').then((h) => setTargets(h.targets.map((x) => x.target))), []);

  const replayTarget = async () => {
    const { replayed } = await api<{ replayed: number }>('/dead-letters/replay', { method: 'POST', body: { target: filter.target } });
    setNote(t('dlv.replayed', { n: replayed }));
    load();
  };
  return (
    <section>
      <div class="filters">
        <FilterSelect label={t('col.target')} value={filter.target} choices={targets} onChange={(target) => setFilter({ ...filter, target })} />
        <FilterSelect label={t('col.status')} value={filter.status} choices={STATUSES} onChange={(status) => setFilter({ ...filter, status })} />
        <button type="button" onClick={load}>
          {t('common.refresh')}
        </button>
        {filter.target && filter.status === 'dead' && rows.length > 0 && (
          <button type="button" onClick={() => void replayTarget()}>
            {t('dlv.replayAll')}
          </button>
        )}
      </div>
      {note && <p class="note">{note}</p>}
      <DeliveryTable rows={rows} onChange={load} />
    </section>
  );
}
