/** Stock: levels, reservations, each channel's available-to-sell, and audited adjustments. */
import type { Pipeline } from '../../../core/ingest/pipeline.ts';
import { listChannelStock, listReservations, listStockLevels } from '../../../core/stock/queries.ts';
import type { Store } from '../../../core/store/port.ts';
import { defineRoute } from './route.ts';
import { commandResult, int, list, nullable, object, str } from './schemas.ts';

interface AdjustBody {
  reason: string;
  lines: Array<{ sku: string; location: string; delta?: number; set?: number; safety?: number }>;
}

export function stockRoutes(store: Store, pipeline: Pipeline) {
  return [
    defineRoute({
      operationId: 'listStockLevels',
      method: 'get',
      path: '/stock/levels',
      role: 'viewer',
      tag: 'stock',
      summary: 'On hand, reserved, safety and available per SKU and location',
      query: {
        sku: { description: 'one SKU', schema: { type: 'string' } },
        location: { description: 'one location', schema: { type: 'string' } },
        lowAt: { description: 'only levels whose available is at or below this (low-stock warnings)', schema: { type: 'integer', minimum: 0 } },
      },
      response: object({ levels: list(object({ sku: str, title: nullable(str), location: str, onHand: int, reserved: int, safety: int, available: int, updatedAt: str })) }),
      run: async ({ caller, query }) => ({ body: { levels: await listStockLevels(store, caller.tenant, query as never) } }),
    }),
    defineRoute({
      operationId: 'listReservations',
      method: 'get',
      path: '/stock/reservations',
      role: 'viewer',
      tag: 'stock',
      summary: 'Reservations (active by default), newest first',
      query: {
        sku: { description: 'one SKU', schema: { type: 'string' } },
        status: { description: 'reservation status', schema: { type: 'string', enum: ['active', 'released', 'consumed'] } },
      },
      response: object({ reservations: list(object({ id: str, orderId: str, lineId: str, sku: str, location: str, quantity: int, status: str, createdAt: str })) }),
      run: async ({ caller, query }) => ({ body: { reservations: await listReservations(store, caller.tenant, query as never) } }),
    }),
    defineRoute({
      operationId: 'listChannelStock',
      method: 'get',
      path: '/stock/channels',
      role: 'viewer',
      tag: 'stock',
      summary: 'Available-to-sell last computed for each channel and SKU (what was pushed back)',
      query: { sku: { description: 'one SKU', schema: { type: 'string' } }, channel: { description: 'one channel', schema: { type: 'string' } } },
      response: object({ channels: list(object({ channel: str, sku: str, available: int, updatedAt: str })) }),
      run: async ({ caller, query }) => ({ body: { channels: await listChannelStock(store, caller.tenant, query as never) } }),
    }),
    defineRoute<AdjustBody>({
      operationId: 'adjustStock',
      method: 'post',
      path: '/stock/adjustments',
      role: 'operator',
      tag: 'stock',
      summary: 'Move (delta), count (set) or set safety stock; audited, and channels are told the new available',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['reason', 'lines'],
        properties: {
          reason: { type: 'string', minLength: 1 },
          lines: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['sku', 'location'],
              properties: { sku: { type: 'string', minLength: 1 }, location: { type: 'string', minLength: 1 }, delta: { type: 'integer' }, set: { type: 'integer', minimum: 0 }, safety: { type: 'integer', minimum: 0 } },
              anyOf: [{ required: ['delta'] }, { required: ['set'] }, { required: ['safety'] }],
            },
          },
        },
      },
      response: commandResult,
      run: async ({ caller, body }) => {
        const result = await pipeline.adjustStock(caller.tenant, body.lines, { reason: body.reason, source: 'api', actor: `key:${caller.keyId}` });
        return { status: result.ok ? 200 : 409, body: result.ok ? result : { error: 'not_adjusted', message: result.error }, subject: body.lines.map((l) => `${l.sku}@${l.location}`).join(', ') };
      },
    }),
  ];
}
