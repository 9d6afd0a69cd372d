/**
 * Douyin / Doudian (抖店开放平台) as an order channel: pull by modified time (order.searchList,
 * details by order.orderDetail when a list entry lacks its sku orders), receive message pushes,
 * and set channel stock (sku.syncStock). The raw shop orders it hands on are the input of
 * mappings/douyin.yaml. It never retries or sleeps: every call is made once and classified.
 *
 * hub.yaml:
 *
 *     shops:
 *       - channel: douyin
 *         shop: "4463798"
 *         baseUrl: https://openapi-fxg.jinritemai.com
 *         appKey: ${env:DOUDIAN_APP_KEY}
 *         appSecret: ${env:DOUDIAN_APP_SECRET}
 *         accessToken: ${env:DOUDIAN_ACCESS_TOKEN}
 *         signMethod: hmac-sha256      # or md5
 *         decrypt: false               # true: order.batchDecrypt the receiver (metered daily)
 *         decryptDailyLimit: 2000      # batchDecrypt calls per Beijing day, optional
 *
 * `connector.quota.decrypt` reports today's decryption use (see decrypt.ts).
 *
 * @example
 * const douyin = createDouyinConnector({ channel: 'douyin', shop: '4463798', baseUrl, appKey, appSecret, accessToken }, { fetch, now: Date.now });
 * const page = await douyin.pull({ from: '2025-06-01T10:00:00+08:00', to: '2025-06-01T10:30:00+08:00' });
 * // { ok: true, orders: [shop orders…], next: '{"v":1,…}' | null }
 */
import type { Connector, ConnectorDeps, ConnectorFactory, PullPage, PullRequest, ShopConfig } from '../../core/connector/types.ts';
import type { SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import type { CallResult } from './client.ts';
import { DoudianClient } from './client.ts';
import { DecryptQuotaCounter, decryptReceivers, type DecryptQuota } from './decrypt.ts';
import { decodeCursor, epochSeconds, step } from './pull.ts';
import { receivePush } from './push.ts';
import type { SignMethod } from './sign.ts';

export { classifyAnswer, classifyEnvelope } from './classify.ts';
export { canonicalParamJson, signDoudian, signDoudianPush, type DoudianSignInput, type DoudianSignature } from './sign.ts';
export type { DecryptQuota } from './decrypt.ts';

export interface DouyinShopConfig extends ShopConfig {
  appKey: string;
  appSecret: string;
  accessToken: string;
  signMethod?: SignMethod;
  /** searchList page size, at most 100 (default 100). */
  pageSize?: number;
  /** Decrypt the receiver with order.batchDecrypt (default false: ciphertext and masks pass through). */
  decrypt?: boolean;
  /** batchDecrypt calls allowed per Beijing day; without it only the platform's refusal stops decryption. */
  decryptDailyLimit?: number;
  timeoutMs?: number;
  /** Over DEFAULT_LIMITS. */
  limits?: TargetLimits;
}

export interface DouyinConnector extends Connector {
  pull: NonNullable<Connector['pull']>;
  fetchOrder: NonNullable<Connector['fetchOrder']>;
  receive: NonNullable<Connector['receive']>;
  updateStock: NonNullable<Connector['updateStock']>;
  /** Today's decryption use, per Beijing day. */
  readonly quota: { decrypt: DecryptQuota };
}

/**
 * Doudian limits calls per app and API (the figures are per app in the console, not published);
 * a modest default, raised in hub.yaml where the app's console allows more.
 */
export const DEFAULT_LIMITS: TargetLimits = { calls: 10, perMs: 1000, concurrency: 4 };
export const MAX_PAGE_SIZE = 100;

type Failure = Extract<SendOutcome, { outcome: 'retry' | 'failed' }>;

export function createDouyinConnector(shop: ShopConfig, deps: ConnectorDeps): DouyinConnector {
  const config = checkConfig(shop);
  const client = new DoudianClient(
    { baseUrl: config.baseUrl, appKey: config.appKey, appSecret: config.appSecret, accessToken: config.accessToken, ...(config.signMethod ? { signMethod: config.signMethod } : {}), ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) },
    deps,
  );
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(config.pageSize ?? MAX_PAGE_SIZE)));
  const quota = new DecryptQuotaCounter(config.decryptDailyLimit ?? null, deps.now);

  /** A call that did not succeed, as the outcome the engine understands. */
  const failure = (method: string, result: Exclude<CallResult, { kind: 'ok' }>): Failure => {
    if (result.kind === 'no-answer') return { outcome: 'retry', reason: `${method}: ${result.reason}` };
    if (result.kind === 'retry') return { outcome: 'retry', reason: `${method}: ${result.reason}`, ...(result.afterMs !== undefined ? { afterMs: result.afterMs } : {}), ...(result.pauseTarget ? { pauseTarget: true } : {}) };
    return { outcome: 'failed', code: result.code, reason: `${method}: ${result.reason}` };
  };

  const detail = async (shopOrderId: string): Promise<{ ok: true; order: Record<string, unknown> } | { ok: false; outcome: Failure }> => {
    const result = await client.call('order.orderDetail', { shop_order_id: shopOrderId });
    if (result.kind !== 'ok') return { ok: false, outcome: failure('order.orderDetail', result) };
    const order = (result.data as { shop_order_detail?: unknown } | undefined)?.shop_order_detail;
    if (!order || typeof order !== 'object') return { ok: false, outcome: { outcome: 'failed', code: 'no-order', reason: `order.orderDetail ${shopOrderId}: the answer holds no shop_order_detail` } };
    return { ok: true, order: order as Record<string, unknown> };
  };

  const decrypt = async (orders: Array<Record<string, unknown>>): Promise<Failure | null> => {
    if (!config.decrypt || orders.length === 0) return null;
    const result = await decryptReceivers(client, orders, quota);
    return result.ok ? null : failure('order.batchDecrypt', result.verdict);
  };

  return {
    channel: 'douyin',
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    get quota() {
      return { decrypt: quota.snapshot };
    },

    async pull(request: PullRequest): Promise<PullPage> {
      let start: number;
      let end: number;
      try {
        start = epochSeconds(request.from, 'down');
        end = epochSeconds(request.to, 'up');
      } catch (e) {
        return { ok: false, outcome: { outcome: 'failed', code: 'window', reason: (e as Error).message } };
      }
      const cursor = decodeCursor(request.cursor, start, end);
      const params = { update_time_start: cursor.start, update_time_end: end, order_by: 'update_time', order_asc: true, page: cursor.page, size: pageSize };
      const result = await client.call('order.searchList', params);
      if (result.kind !== 'ok') return { ok: false, outcome: failure('order.searchList', result) };
      const list = (result.data as { shop_order_list?: unknown } | undefined)?.shop_order_list;
      const items = (Array.isArray(list) ? list : []).filter((o): o is Record<string, unknown> => !!o && typeof o === 'object' && !Array.isArray(o));
      const { fresh, next } = step(cursor, { items, size: pageSize });
      // A list entry without its sku orders is partial: read the whole order.
      const orders: Array<Record<string, unknown>> = [];
      for (const item of fresh) {
        if (Array.isArray(item.sku_order_list)) {
          orders.push(item);
          continue;
        }
        const full = await detail(String(item.order_id));
        if (!full.ok) return full;
        orders.push(full.order);
      }
      const refused = await decrypt(orders);
      if (refused) return { ok: false, outcome: refused };
      return { ok: true, orders, next: next ? JSON.stringify(next) : null };
    },

    async fetchOrder(externalId: string) {
      const found = await detail(externalId);
      if (!found.ok) return found;
      const refused = await decrypt([found.order]);
      if (refused) return { ok: false, outcome: refused };
      return { ok: true, order: found.order };
    },

    receive(request) {
      return receivePush(request, config.appKey, config.appSecret, deps.now);
    },

    async updateStock(item): Promise<SendOutcome> {
      const stockNum = Math.max(0, Math.floor(item.available));
      const skuId = item.channelSkuId && /^\d+$/.test(item.channelSkuId) ? item.channelSkuId : undefined;
      // sku_id is an int64: sent as a bare number, digit for digit. Without one, the merchant's code.
      const params: Record<string, unknown> = { ...(skuId ? { sku_id: BigInt(skuId) } : { code: item.sku }), stock_num: stockNum, incremental: false };
      const request = { method: 'sku.syncStock', ...(skuId ? { sku_id: skuId } : { code: item.sku }), stock_num: stockNum, incremental: false };
      const result = await client.call('sku.syncStock', params);
      // A full set (incremental false) can be repeated safely, so no answer is worth another try.
      if (result.kind === 'ok') return { outcome: 'delivered', request, response: result.envelope };
      const outcome = failure('sku.syncStock', result);
      return { ...outcome, request, ...(result.kind !== 'no-answer' && result.envelope ? { response: result.envelope } : {}) };
    },
  };
}

// What runtime/connectors.ts lists: a ConnectorFactory (the extra `quota` is visible to callers who want it).
void (createDouyinConnector satisfies ConnectorFactory);

function checkConfig(shop: ShopConfig): DouyinShopConfig {
  const problems: string[] = [];
  for (const key of ['appKey', 'appSecret', 'accessToken'] as const) if (typeof shop[key] !== 'string' || !shop[key]) problems.push(`${key} is required`);
  if (!shop.baseUrl) problems.push('baseUrl is required (https://openapi-fxg.jinritemai.com in production)');
  if (shop.signMethod !== undefined && shop.signMethod !== 'hmac-sha256' && shop.signMethod !== 'md5') problems.push('signMethod must be hmac-sha256 or md5');
  if (shop.pageSize !== undefined && (typeof shop.pageSize !== 'number' || shop.pageSize < 1 || shop.pageSize > MAX_PAGE_SIZE)) problems.push(`pageSize must be 1..${MAX_PAGE_SIZE}`);
  if (shop.decrypt !== undefined && typeof shop.decrypt !== 'boolean') problems.push('decrypt must be true or false');
  if (shop.decryptDailyLimit !== undefined && (typeof shop.decryptDailyLimit !== 'number' || shop.decryptDailyLimit < 0)) problems.push('decryptDailyLimit must be a number of calls');
  if (problems.length) throw new Error(`douyin shop ${shop.shop}: ${problems.join('; ')}`);
  return shop as DouyinShopConfig;
}
