/** Quarantine: payloads the hub could not read, with what and where, and their replay. */
import type { Pipeline } from '../../../core/ingest/pipeline.ts';
import { listQuarantine, quarantineDetail } from '../../../core/ingest/quarantine.ts';
import type { Sealer } from '../../../core/order/sealing.ts';
import type { Store } from '../../../core/store/port.ts';
import { defineRoute, notFound } from './route.ts';
import { anything, list, nullable, object, page, paging, str } from './schemas.ts';

const item = object({ id: str, inbox_id: str, channel: str, kind: str, error: str, position: nullable(str), source_path: nullable(str), created_at: str, resolved_at: nullable(str) }, ['id', 'channel', 'kind', 'error']);

export function quarantineRoutes(store: Store, pipeline: Pipeline, sealer?: Sealer) {
  return [
    defineRoute({
      operationId: 'listQuarantine',
      method: 'get',
      path: '/quarantine',
      role: 'viewer',
      tag: 'quarantine',
      summary: 'Quarantined payloads (open ones unless open=false), newest first',
      query: { channel: { description: 'one channel', schema: { type: 'string' } }, open: { description: 'false: also the resolved ones', schema: { type: 'boolean' } }, ...paging },
      response: page('items', item),
      run: async ({ caller, query }) => ({ body: await listQuarantine(store, caller.tenant, query as never) }),
    }),
    defineRoute({
      operationId: 'getQuarantined',
      method: 'get',
      path: '/quarantine/{id}',
      role: 'viewer',
      tag: 'quarantine',
      summary: 'One quarantined payload with its raw text (personal fields masked)',
      response: object({ ...(item.properties as object), payload: str, meta: anything }, ['id', 'payload']),
      run: async ({ caller, params }) => {
        const found = await quarantineDetail(store, caller.tenant, params.id!, { ...(sealer ? { sealer } : {}) });
        if (!found) throw notFound('quarantined payload', params.id!);
        return { body: found };
      },
    }),
    defineRoute({
      operationId: 'replayQuarantined',
      method: 'post',
      path: '/quarantine/{id}/replay',
      role: 'operator',
      tag: 'quarantine',
      summary: 'Run one quarantined payload again through the current mapping',
      response: object({ results: list(anything) }),
      run: async ({ caller, params }) => {
        const [row] = await store.query('SELECT 1 AS x FROM quarantine WHERE tenant = ? AND id = ?', [caller.tenant, params.id!]);
        if (!row) throw notFound('quarantined payload', params.id!);
        return { body: { results: await pipeline.replayQuarantine(caller.tenant, { id: params.id! }) } };
      },
    }),
    defineRoute<{ channel: string }>({
      operationId: 'replayQuarantinedChannel',
      method: 'post',
      path: '/quarantine/replay',
      role: 'operator',
      tag: 'quarantine',
      summary: 'Run every open quarantined payload of a channel again',
      body: { type: 'object', additionalProperties: false, required: ['channel'], properties: { channel: { type: 'string', minLength: 1 } } },
      response: object({ results: list(anything) }),
      run: async ({ caller, body }) => ({ body: { results: await pipeline.replayQuarantine(caller.tenant, { channel: body.channel }) }, subject: body.channel }),
    }),
  ];
}
