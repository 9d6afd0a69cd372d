/** Deliveries: per target, with attempts; target health; the dead-letter queue and its replay. */
import { markDelivered, replayDeadLetters, type DeadLetterFilter } from '../../../core/outbox/index.ts';
import { deliveryDetail, listDeliveries, targetHealth } from '../../../core/outbox/queries.ts';
import type { Store } from '../../../core/store/port.ts';
import { ApiError, defineRoute, notFound } from './route.ts';
import { anything, int, list, nullable, object, page, paging, str } from './schemas.ts';

const STATUSES = ['pending', 'sending', 'unknown', 'delivered', 'dead', 'superseded'] as const;
const delivery = object({ id: str, target: str, kind: str, idempotency_key: str, order_id: nullable(str), status: { type: 'string', enum: STATUSES }, attempts: int, last_error: nullable(str) }, ['id', 'target', 'kind', 'status']);

export function deliveryRoutes(store: Store) {
  return [
    defineRoute({
      operationId: 'listDeliveries',
      method: 'get',
      path: '/deliveries',
      role: 'viewer',
      tag: 'deliveries',
      summary: 'Deliveries, newest first, by target, status, kind or order',
      query: {
        target: { description: 'target name from hub.yaml', schema: { type: 'string' } },
        status: { description: 'delivery status (dead: the dead-letter queue)', schema: { type: 'string', enum: STATUSES } },
        kind: { description: 'erp.sale_order, wms.delivery_order, carrier.waybill, channel.stock, notify …', schema: { type: 'string' } },
        orderId: { description: 'one order', schema: { type: 'string' } },
        ...paging,
      },
      response: page('deliveries', delivery),
      run: async ({ caller, query }) => ({ body: await listDeliveries(store, caller.tenant, query as never) }),
    }),
    defineRoute({
      operationId: 'getDelivery',
      method: 'get',
      path: '/deliveries/{id}',
      role: 'viewer',
      tag: 'deliveries',
      summary: 'One delivery with every attempt (request and response, personal data masked)',
      response: object({ ...(delivery.properties as object), attempts: list(anything) }, ['id', 'attempts']),
      run: async ({ caller, params }) => {
        const found = await deliveryDetail(store, caller.tenant, params.id!);
        if (!found) throw notFound('delivery', params.id!);
        return { body: found };
      },
    }),
    defineRoute({
      operationId: 'targetHealth',
      method: 'get',
      path: '/targets/health',
      role: 'viewer',
      tag: 'deliveries',
      summary: 'Per target: rows by status, and success rate and latency of recent attempts',
      query: { sinceMinutes: { description: 'attempt window (default 60)', schema: { type: 'integer', minimum: 1, maximum: 10080 } } },
      response: object({ targets: list(anything) }),
      run: async ({ caller, query }) => ({ body: { targets: await targetHealth(store, caller.tenant, new Date(Date.now() - Number(query.sinceMinutes ?? 60) * 60_000).toISOString()) } }),
    }),
    defineRoute({
      operationId: 'replayDeadLetter',
      method: 'post',
      path: '/deliveries/{id}/replay',
      role: 'operator',
      tag: 'deliveries',
      summary: 'Send a dead letter again (its body is rebuilt from the current mapping)',
      response: object({ replayed: int }),
      run: async ({ caller, params }) => {
        const [row] = await store.query('SELECT status FROM outbox WHERE tenant = ? AND id = ?', [caller.tenant, params.id!]);
        if (!row) throw notFound('delivery', params.id!);
        if (row.status !== 'dead') throw new ApiError(409, 'not_dead', `delivery ${params.id} is ${String(row.status)}, not dead: only dead letters are replayed`);
        return { body: { replayed: await replayDeadLetters(store, caller.tenant, { id: params.id! }) } };
      },
    }),
    defineRoute<{ target?: string; kind?: string; all?: boolean }>({
      operationId: 'replayDeadLetters',
      method: 'post',
      path: '/dead-letters/replay',
      role: 'operator',
      tag: 'deliveries',
      summary: 'Replay the dead letters of a target (optionally one kind), or all of them',
      body: {
        type: 'object',
        additionalProperties: false,
        properties: { target: { type: 'string', minLength: 1 }, kind: { type: 'string', minLength: 1 }, all: { const: true } },
        oneOf: [{ required: ['target'] }, { required: ['all'] }],
      },
      response: object({ replayed: int }),
      run: async ({ caller, body }) => {
        const filter: DeadLetterFilter = body.target ? { target: body.target, ...(body.kind ? { kind: body.kind } : {}) } : { all: true };
        return { body: { replayed: await replayDeadLetters(store, caller.tenant, filter) }, subject: body.target ?? 'all' };
      },
    }),
    defineRoute({
      operationId: 'confirmDelivered',
      method: 'post',
      path: '/deliveries/{id}/confirm',
      role: 'operator',
      tag: 'deliveries',
      summary: 'Mark a delivery in unknown (or dead) state delivered, after checking in the target that the document exists',
      response: object({ confirmed: { type: 'boolean' } }),
      run: async ({ caller, params }) => {
        const [row] = await store.query('SELECT status FROM outbox WHERE tenant = ? AND id = ?', [caller.tenant, params.id!]);
        if (!row) throw notFound('delivery', params.id!);
        return { body: { confirmed: await markDelivered(store, caller.tenant, params.id!) } };
      },
    }),
  ];
}
