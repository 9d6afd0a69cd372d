/**
 * JD (京东 JOS POP) as a channel: orders pulled by modified time with `jingdong.pop.order.search`
 * (completed with `jingdong.pop.order.get` where the list is partial), one order by id for a
 * hint, and stock pushed back with `jingdong.stock.write.updateSkuStock`. The raw `orderInfo`
 * objects go to the pipeline as they are; mappings/jd.yaml makes canonical orders of them.
 *
 * No `receive`: JD has no documented HTTP push for POP orders. Its order messages come through
 * JD's own message queue (JMQ, 云鼎) or as rows in a 云鼎 RDS database (数据同步服务), both
 * reached from inside JD Cloud, not through a callback to the hub. See README.md.
 *
 * hub.yaml (secrets from the environment):
 *
 * ```yaml
 * shops:
 *   - channel: jd
 *     shop: jd-main
 *     baseUrl: https://api.jd.com/routerjson
 *     appKey: ${env:JD_APP_KEY}
 *     appSecret: ${env:JD_APP_SECRET}
 *     accessToken: ${env:JD_ACCESS_TOKEN}
 * ```
 *
 * @example
 * const jd = createJdConnector({ channel: 'jd', shop: 'jd-main', baseUrl: sim.url, appKey: 'k', appSecret: 's', accessToken: 't' }, { fetch, now: Date.now });
 * const page = await jd.pull!({ from: '2024-05-18T20:00:00+08:00', to: '2024-05-18T20:30:00+08:00' });
 * // { ok: true, orders: [{ orderId: '301234567890', orderState: 'WAIT_SELLER_STOCK_OUT', … }], next: '{"v":1,…}' | null }
 */
import type { ConnectorFactory, ShopConfig } from '../../core/connector/types.ts';
import type { SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { classifyApiResult, classifyJos, isRecord } from './classify.ts';
import { JosClient, josLong } from './client.ts';
import { ALL_ORDER_STATES, DEFAULT_OPTIONAL_FIELDS, getOrder, MAX_PAGE_SIZE, pullPage, type PullSettings } from './pull.ts';

export { signJos, isBlank, JosSignError, SECRET_PLACEHOLDER, type JosSignature, type JosParams } from './sign.ts';
export { classifyJos, classifyJosError, classifyApiResult, parseJosJson, responseKey, untilBeijingMidnight } from './classify.ts';
export { JosClient, josLong, paramJson, beijingTime, gatewayUrl } from './client.ts';
export { ALL_ORDER_STATES, DEFAULT_OPTIONAL_FIELDS, REQUIRED_FIELDS, SEARCH, GET } from './pull.ts';

export const STOCK_UPDATE = 'jingdong.stock.write.updateSkuStock';

/**
 * JD publishes no per-app call rate for these APIs that could be found (an app's daily quota is
 * shown in its JOS console, and code 2 says it is spent); the default only bounds concurrency.
 * Set `limits` on the shop to pace calls.
 */
export const DEFAULT_LIMITS: TargetLimits = { concurrency: 4 };

export interface JdShopConfig extends ShopConfig {
  appKey: string;
  appSecret: string;
  /** The shop's OAuth access_token. */
  accessToken: string;
  /** 1 … 100 (default 100). */
  pageSize?: number;
  /** order_state values to search (default: every state the mapping knows). */
  orderStates?: string[];
  /** orderInfo fields to ask for (default DEFAULT_OPTIONAL_FIELDS). */
  optionalFields?: string[];
  /** `partial` (default) or `always`: when to complete a listed order with jingdong.pop.order.get. */
  detail?: 'partial' | 'always';
  /** updateSkuStock's storeId (仓库编号), for shops that keep stock per JD warehouse. */
  storeId?: string | number;
  timeoutMs?: number;
  limits?: TargetLimits;
}

export const createJdConnector: ConnectorFactory = (shop, deps) => {
  const config = checkConfig(shop);
  const client = new JosClient(
    { baseUrl: config.baseUrl, appKey: config.appKey, appSecret: config.appSecret, accessToken: config.accessToken, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) },
    deps,
  );
  const optionalFields = [...new Set([...(config.optionalFields ?? DEFAULT_OPTIONAL_FIELDS), 'orderId', 'modified', 'orderState'])];
  const settings: PullSettings = {
    pageSize: config.pageSize ?? MAX_PAGE_SIZE,
    orderStates: config.orderStates ?? ALL_ORDER_STATES,
    optionalFields,
    detail: config.detail ?? 'partial',
  };

  return {
    channel: 'jd',
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    pull: (request) => pullPage(client, settings, request, deps.now),

    async fetchOrder(externalId) {
      const got = await getOrder(client, settings, String(externalId).trim(), deps.now);
      if (!got.ok) return got;
      if (!got.order) return { ok: false, outcome: { outcome: 'failed', code: 'not-found', reason: `JD has no order ${externalId} for this shop` } };
      return { ok: true, order: got.order };
    },

    async updateStock(item): Promise<SendOutcome> {
      const skuId = item.channelSkuId?.trim() ?? '';
      if (!/^\d{1,19}$/.test(skuId)) {
        return { outcome: 'failed', code: 'sku', reason: `JD needs its own skuId (channelSkuId) to set stock for ${item.sku}; got ${JSON.stringify(item.channelSkuId ?? null)}` };
      }
      // stockNum is the count JD may sell, set absolutely: a repeat sets the same number.
      const stockNum = Math.max(0, Math.floor(Number.isFinite(item.available) ? item.available : 0));
      const request = { method: STOCK_UPDATE, skuId, stockNum, ...(config.storeId !== undefined ? { storeId: String(config.storeId) } : {}) };
      const call = await client.call(STOCK_UPDATE, {
        skuId: josLong(skuId),
        stockNum,
        ...(config.storeId !== undefined ? { storeId: josLong(String(config.storeId)) } : {}),
      });
      // Setting an absolute count is safe to repeat, so a call that may have gone through is retried too.
      if (call.kind !== 'answer') return { outcome: 'retry', reason: `JD ${STOCK_UPDATE}: ${call.reason}`, request };
      const verdict = classifyJos(call, STOCK_UPDATE, deps.now());
      if (verdict.kind === 'retry') {
        return { outcome: 'retry', reason: verdict.reason, request, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.pauseTarget ? { pauseTarget: true } : {}) };
      }
      if (verdict.kind === 'failed') return { outcome: 'failed', code: verdict.code, reason: verdict.reason, request };
      const { result } = verdict;
      // The answer is `{"code":"0","success":true}`; `success: false` is a refusal.
      const status = isRecord(result.apiResult) ? result.apiResult : result.success !== undefined ? { success: result.success } : null;
      const refused = status ? classifyApiResult(status, `${STOCK_UPDATE} sku ${skuId}`) : null;
      if (refused) {
        return refused.kind === 'retry' ? { outcome: 'retry', reason: refused.reason, request, response: result } : { outcome: 'failed', code: refused.code, reason: refused.reason, request, response: result };
      }
      return { outcome: 'delivered', request, response: result };
    },
  };
};

function checkConfig(shop: ShopConfig): JdShopConfig {
  const problems: string[] = [];
  for (const key of ['baseUrl', 'appKey', 'appSecret', 'accessToken'] as const) {
    if (typeof shop[key] !== 'string' || (shop[key] as string).trim() === '') problems.push(`${key} is required`);
  }
  const pageSize = shop.pageSize;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > MAX_PAGE_SIZE)) {
    problems.push(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE} (JD's maximum)`);
  }
  for (const key of ['orderStates', 'optionalFields'] as const) {
    const list = shop[key];
    if (list !== undefined && (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && /^[A-Za-z_]+$/.test(s)))) {
      problems.push(`${key} must be a non-empty list of names`);
    }
  }
  if (shop.detail !== undefined && shop.detail !== 'partial' && shop.detail !== 'always') problems.push('detail must be "partial" or "always"');
  if (shop.storeId !== undefined && !/^\d{1,19}$/.test(String(shop.storeId))) problems.push('storeId must be JD\'s numeric warehouse id');
  if (problems.length) throw new Error(`JD shop ${String(shop.shop ?? '')}: ${problems.join('; ')}`);
  return shop as JdShopConfig;
}
