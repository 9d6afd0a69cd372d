/**
 * The ingest pipeline: `ingest()` resolves once the payload, and everything the order it
 * holds means, is committed. Concurrent ingests share transactions (group commit).
 *
 * @example
 * const pipeline = new Pipeline(store, config);
 * const result = await pipeline.ingest({ tenant: 't1', channel: 'tmall', payload: rawText, meta: { headers } });
 * // { inboxId: 'inb_…', orders: [{ orderId: 'ord_…', externalId: '…', outcome: 'created', status: 'paid' }] }
 */
import type { Store } from '../store/port.ts';
import { GroupCommit } from './group-commit.ts';
import { processGroup, type WorkItem, type WorkResult } from './process.ts';
import type { AfterSaleEvent, CommandResult, IngestInput, IngestResult, PipelineConfig, ReconcileReport, ShipmentEvent, StockAdjustment } from './types.ts';

export class Pipeline {
  private readonly groups: GroupCommit<WorkItem, WorkResult>;

  constructor(
    private readonly store: Store,
    private readonly config: PipelineConfig,
  ) {
    this.groups = new GroupCommit(
      (items) => this.store.writeTransaction((tx) => processGroup(tx, items, this.config)),
      config.groupWindowMs ?? 2,
      config.groupMaxSize ?? 500,
    );
  }

  ingest(input: IngestInput): Promise<IngestResult> {
    if (!input.tenant) return Promise.reject(new Error('ingest needs a tenant'));
    return this.groups.submit({ input }) as Promise<IngestResult>;
  }

  /**
   * A refund or cancel told apart from the order (a platform message): applied to the order,
   * or kept until the order arrives.
   */
  applyAfterSale(tenant: string, channel: string, externalId: string, event: AfterSaleEvent, source: string): Promise<CommandResult> {
    return this.groups.submit({ command: { kind: 'after-sale', tenant, channel, externalId, event, source } }) as Promise<CommandResult>;
  }

  /** Lets a held order go: its deliveries are queued. */
  releaseHold(tenant: string, orderId: string, actor: string): Promise<CommandResult> {
    return this.groups.submit({ command: { kind: 'release', tenant, orderId, actor } }) as Promise<CommandResult>;
  }

  /** Releases every order held until a time that has come (presale dates); returns how many. */
  async releaseDue(tenant: string, now = new Date()): Promise<number> {
    const rows = await this.store.query(
      "SELECT id FROM orders WHERE tenant = ? AND stage = 'allocated' AND holds IS NULL AND hold_until IS NOT NULL AND hold_until <= ?",
      [tenant, now.toISOString()],
    );
    const results = await Promise.all(rows.map((r) => this.releaseHold(tenant, String(r.id), 'schedule')));
    return results.filter((r) => r.ok).length;
  }

  /** The warehouse or the carrier says the parcel of an order left or arrived. */
  recordShipment(tenant: string, orderId: string, event: ShipmentEvent, source: string): Promise<CommandResult> {
    return this.groups.submit({ command: { kind: 'shipment', tenant, orderId, event, source } }) as Promise<CommandResult>;
  }

  /** Compares reservations with levels and reports (with repair: fixes) any drift or leak. */
  async reconcile(tenant: string, options: { repair: boolean; actor: string }): Promise<ReconcileReport> {
    const result = (await this.groups.submit({ command: { kind: 'reconcile', tenant, ...options } })) as CommandResult;
    if (!result.ok) throw new Error(result.error);
    return result.detail as unknown as ReconcileReport;
  }

  /** Stock counts and movements (API or a WMS file), audited; all lines apply or none. */
  adjustStock(tenant: string, lines: StockAdjustment[], meta: { reason: string; source: 'api' | 'file'; actor: string }): Promise<CommandResult> {
    return this.groups.submit({ command: { kind: 'adjust', tenant, lines, ...meta } }) as Promise<CommandResult>;
  }

  /**
   * Runs quarantined payloads again through the current mappings: one by id, or every open
   * one of a channel. Each keeps its inbox row; the quarantine row is resolved when it passes.
   */
  async replayQuarantine(tenant: string, which: { id: string } | { channel: string }): Promise<IngestResult[]> {
    const rows = await this.store.query(
      `SELECT q.id, q.inbox_id, i.channel, i.shop, i.payload, i.meta FROM quarantine q JOIN inbox i ON i.tenant = q.tenant AND i.id = q.inbox_id
       WHERE q.tenant = ? AND q.resolved_at IS NULL AND ${'id' in which ? 'q.id = ?' : 'q.channel = ?'} ORDER BY q.id`,
      [tenant, 'id' in which ? which.id : which.channel],
    );
    const byInbox = new Map<string, { quarantineIds: string[]; row: (typeof rows)[number] }>();
    for (const row of rows) {
      const entry = byInbox.get(String(row.inbox_id)) ?? { quarantineIds: [], row };
      entry.quarantineIds.push(String(row.id));
      byInbox.set(String(row.inbox_id), entry);
    }
    const sealer = this.config.sealer;
    return Promise.all(
      [...byInbox.entries()].map(async ([inboxId, { quarantineIds, row }]): Promise<IngestResult> =>
        this.groups.submit({
          input: { tenant, channel: String(row.channel), shop: row.shop === null ? null : String(row.shop), payload: sealer ? await sealer.open(String(row.payload)) : String(row.payload), meta: JSON.parse(String(row.meta)) },
          replay: { inboxId, quarantineIds },
        }) as Promise<IngestResult>,
      ),
    );
  }

  /** Waits until every ingest submitted so far is committed. */
  drain(): Promise<void> {
    return this.groups.drain();
  }
}
