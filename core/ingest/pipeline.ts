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
import { processGroup, type WorkItem } from './process.ts';
import type { IngestInput, IngestResult, PipelineConfig } from './types.ts';

export class Pipeline {
  private readonly groups: GroupCommit<WorkItem, IngestResult>;

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
    return this.groups.submit({ input });
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
    return Promise.all(
      [...byInbox.entries()].map(([inboxId, { quarantineIds, row }]) =>
        this.groups.submit({
          input: { tenant, channel: String(row.channel), shop: row.shop === null ? null : String(row.shop), payload: String(row.payload), meta: JSON.parse(String(row.meta)) },
          replay: { inboxId, quarantineIds },
        }),
      ),
    );
  }

  /** Waits until every ingest submitted so far is committed. */
  drain(): Promise<void> {
    return this.groups.drain();
  }
}
