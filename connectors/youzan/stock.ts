/**
 * How many of a SKU the shop may sell, through `youzan.item.quantity.update` 3.0.0
 * ("全量或增量方式更新SKU库存"): `{item_id, sku_id?, quantity, type: 0}` where type 0 sets the
 * stock (全量) and 1 adds to it (增量); sku_id is left out for an item without SKUs; the answer is
 * `{is_success: true}` (request/response fields: nest-mods/youzan `src/model/item/item-quantity-update.ts`,
 * version: `src/service/generated-youzan.service.ts`; documented rate 30 calls/s per shop).
 * Setting, never adding, makes a repeat harmless.
 *
 * Which item and SKU: `channelSkuId` as `"<item_id>:<sku_id>"` (or `"<item_id>:"` for an item
 * without SKUs); else the shop config's `skuMap` (merchant code → the same form); else Youzan is
 * asked once per merchant code, through `youzan.skus.custom.get` 3.0.0 (`{item_no}` → `skus` with
 * item_id / sku_id) and, for items without SKUs, `youzan.items.custom.get` 3.0.0 (`{item_no}` →
 * `items` with item_id). A bare number is not enough: the mapping's channelSkuId is a sku_id, or an
 * item_id for items without SKUs, and the update needs the item_id in both cases.
 */
import type { SendOutcome } from '../../core/outbox/types.ts';
import type { YouzanClient } from './client.ts';

export const QUANTITY_UPDATE = 'youzan.item.quantity.update';
export const SKUS_BY_CODE = 'youzan.skus.custom.get';
export const ITEMS_BY_CODE = 'youzan.items.custom.get';
/** Youzan's "no such item / SKU" answers (商品不存在, SKU 不存在). */
const NOT_FOUND = new Set(['122001001', '123005001', '123004002', '234000003']);

export interface Target {
  itemId: string;
  /** Absent for an item without SKUs. */
  skuId?: string;
}

export interface StockContext {
  client: YouzanClient;
  version: string;
  skuMap: Record<string, string>;
  /** Merchant code → ids found by asking Youzan; forgotten when Youzan says they no longer exist. */
  found: Map<string, Target>;
}

export async function updateStock(item: { sku: string; available: number; channelSkuId?: string }, ctx: StockContext): Promise<SendOutcome> {
  if (!Number.isFinite(item.available)) return { outcome: 'failed', code: 'quantity', reason: `available for ${item.sku} is not a number: ${item.available}` };
  const quantity = Math.max(0, Math.floor(item.available));
  const resolved = await targetOf(item, ctx);
  if ('outcome' in resolved) return resolved;
  const params: Record<string, unknown> = { item_id: Number(resolved.itemId), quantity, type: 0 };
  if (resolved.skuId) params.sku_id = Number(resolved.skuId);
  const call = await ctx.client.call(QUANTITY_UPDATE, ctx.version, params);
  if (call.ok) return { outcome: 'delivered', request: { api: `${QUANTITY_UPDATE}/${ctx.version}`, params }, response: call.body };
  if (call.outcome.outcome === 'failed' && call.outcome.code && NOT_FOUND.has(call.outcome.code)) ctx.found.delete(item.sku);
  return call.outcome;
}

async function targetOf(item: { sku: string; channelSkuId?: string }, ctx: StockContext): Promise<Target | Extract<SendOutcome, { outcome: 'retry' | 'failed' }>> {
  const explicit = parseTarget(item.channelSkuId) ?? parseTarget(ctx.skuMap[item.sku]);
  if (explicit) return explicit;
  const known = ctx.found.get(item.sku);
  if (known) return known;

  const skus = await ctx.client.call(SKUS_BY_CODE, '3.0.0', { item_no: item.sku });
  if (!skus.ok) return skus.outcome;
  const sku = listOf(skus.data.skus).find((s) => String(s.item_no ?? '') === item.sku && s.item_id !== undefined && s.sku_id !== undefined);
  if (sku) return remember(ctx, item.sku, { itemId: String(sku.item_id), skuId: String(sku.sku_id) });

  const items = await ctx.client.call(ITEMS_BY_CODE, '3.0.0', { item_no: item.sku });
  if (!items.ok) return items.outcome;
  const matches = listOf(items.data.items).filter((i) => String(i.item_no ?? '') === item.sku && i.item_id !== undefined);
  if (matches.length === 1) return remember(ctx, item.sku, { itemId: String(matches[0]!.item_id) });
  return {
    outcome: 'failed',
    code: 'unknown_sku',
    reason: matches.length > 1 ? `several Youzan items have merchant code ${item.sku}: give skuMap["${item.sku}"] = "<item_id>:<sku_id>"` : `no Youzan SKU or item has merchant code ${item.sku}`,
  };
}

/** `"123:456"` → item 123, SKU 456; `"123:"` → item 123 without SKUs. */
export function parseTarget(value: string | undefined): Target | undefined {
  const m = /^\s*(\d+)\s*:\s*(\d*)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  return m[2] && m[2] !== '0' ? { itemId: m[1]!, skuId: m[2] } : { itemId: m[1]! };
}

function remember(ctx: StockContext, sku: string, target: Target): Target {
  ctx.found.set(sku, target);
  return target;
}

function listOf(value: unknown): Array<Record<string, unknown>> {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  return list.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object');
}
