/** Orders: the filtered list, one order with its whole story, and held orders' release. */
import { canonicalOrderSchema } from '../../../core/order/index.ts';
import type { Pipeline } from '../../../core/ingest/pipeline.ts';
import { listOrders, orderDetail } from '../../../core/orders/queries.ts';
import type { Sealer } from '../../../core/order/sealing.ts';
import type { Store } from '../../../core/store/port.ts';
import { roleAllows, type ApiCaller } from './keys.ts';
import { ApiError, defineRoute, notFound, recordAudit } from './route.ts';
import { anything, commandResult, int, list, nullable, object, page, paging, str } from './schemas.ts';

const STATUSES = canonicalOrderSchema.properties.status.enum;

const orderSummary = object(
  {
    id: str,
    channel: str,
    shop: nullable(str),
    externalId: str,
    status: str,
    afterSale: str,
    stage: str,
    placedAt: str,
    receivedAt: str,
    paid: { type: 'integer', description: 'fen' },
    currency: str,
    buyer: nullable(str),
    receiver: nullable(object({ name: str, phone: str, province: str, city: str })),
    skus: list(str),
    holds: anything,
    flags: anything,
    priority: int,
  },
  ['id', 'channel', 'externalId', 'status', 'stage'],
);

/** Only an admin sees receivers unmasked, and only when asking for it; the ask is audited. */
async function mayReveal(store: Store, caller: ApiCaller, asked: unknown, subject: string): Promise<boolean> {
  if (asked !== true) return false;
  if (!roleAllows(caller.role, 'admin')) throw new ApiError(403, 'forbidden', 'revealing personal data needs the admin role');
  await recordAudit(store, caller, 'revealPersonalData', subject, null, 200);
  return true;
}

export function orderRoutes(store: Store, pipeline: Pipeline, sealer?: Sealer) {
  return [
    defineRoute({
      operationId: 'listOrders',
      method: 'get',
      path: '/orders',
      role: 'viewer',
      tag: 'orders',
      summary: 'Orders, newest first, filtered',
      query: {
        channel: { description: 'channel (tmall, jd, douyin, youzan, pos, webhook …)', schema: { type: 'string' } },
        shop: { description: 'shop', schema: { type: 'string' } },
        status: { description: 'canonical status', schema: { type: 'string', enum: STATUSES } },
        from: { description: 'received by the hub at or after (ISO time)', schema: { type: 'string', format: 'date-time' } },
        to: { description: 'received by the hub before (ISO time)', schema: { type: 'string', format: 'date-time' } },
        q: { description: 'external order id, buyer id or nickname, or the last 4+ digits of the receiver phone', schema: { type: 'string' } },
        held: { description: 'only held (true) or only not held (false) orders', schema: { type: 'boolean' } },
        ...paging,
      },
      response: page('orders', orderSummary),
      run: async ({ caller, query }) => ({ body: await listOrders(store, caller.tenant, query as never, { ...(sealer ? { sealer } : {}) }) }),
    }),
    defineRoute({
      operationId: 'getOrder',
      method: 'get',
      path: '/orders/{id}',
      role: 'viewer',
      tag: 'orders',
      summary: 'One order: its timeline, inbox rows, reservations, routing and each delivery with its attempts',
      query: { reveal: { description: 'show receiver name, phone and address unmasked (admin; audited)', schema: { type: 'boolean' } } },
      response: object({ order: orderSummary, timeline: list(anything), inbox: list(anything), reservations: list(anything), shortfalls: list(anything), deliveries: list(anything) }),
      run: async ({ caller, params, query }) => {
        const reveal = await mayReveal(store, caller, query.reveal, params.id!);
        const detail = await orderDetail(store, caller.tenant, params.id!, { reveal, ...(sealer ? { sealer } : {}) });
        if (!detail) throw notFound('order', params.id!);
        return { body: detail };
      },
    }),
    defineRoute({
      operationId: 'releaseHold',
      method: 'post',
      path: '/orders/{id}/release',
      role: 'operator',
      tag: 'orders',
      summary: 'Release a held order: it is reserved, routed and its deliveries queued',
      response: commandResult,
      run: async ({ caller, params }) => {
        const [exists] = await store.query('SELECT 1 AS x FROM orders WHERE tenant = ? AND id = ?', [caller.tenant, params.id!]);
        if (!exists) throw notFound('order', params.id!);
        const result = await pipeline.releaseHold(caller.tenant, params.id!, `api:${caller.keyId}`);
        return result.ok ? { body: result } : { status: 409, body: { error: 'not_released', message: result.error } };
      },
    }),
  ];
}
