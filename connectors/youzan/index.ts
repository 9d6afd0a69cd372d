/**
 * Youzan Cloud (有赞云) as a channel: orders pulled by modified time (youzan.trades.sold.get 4.0.4),
 * one order fetched by number (youzan.trade.get 4.0.2), message pushes verified and turned into
 * fetches and refunds, and stock set per SKU (youzan.item.quantity.update 3.0.0). Every raw order
 * is a `full_order_info`, the input of mappings/youzan.yaml.
 *
 * Beyond the contract, the connector has `health()`: the access token's state (expiry, last
 * refresh, failures, refusals), never the token itself. See README.md.
 *
 * @example
 * const youzan = createYouzanConnector(
 *   { channel: 'youzan', shop: 'main', baseUrl: 'https://open.youzanyun.com',
 *     clientId: '…', clientSecret: '…', kdtId: '91234567' },
 *   { fetch, now: Date.now },
 * );
 * await youzan.pull!({ from: '2024-05-29T10:00:00+08:00', to: '2024-05-29T10:30:00+08:00' });
 * youzan.health().token // { state: 'valid', expiresAt: '…', lastRefreshAt: '…', refreshFailures: 0, … }
 */
import type { Connector, ConnectorFactory, ShopConfig } from '../../core/connector/types.ts';
import type { TargetLimits } from '../../core/outbox/types.ts';
import { YouzanClient } from './client.ts';
import { DEFAULT_SETTLE_MS, pullPage } from './pull.ts';
import { receiveYouzanPush } from './push.ts';
import { updateStock, type Target } from './stock.ts';
import { TokenKeeper, type TokenHealth } from './token.ts';

export { signYouzanPush, type Signature, type SignInput } from './sign.ts';
export { classifyAnswer } from './classify.ts';

export const DEFAULT_BASE_URL = 'https://open.youzanyun.com';
export const VERSIONS = { soldGet: '4.0.4', tradeGet: '4.0.2', quantityUpdate: '3.0.0' } as const;
export const TRADE_GET = 'youzan.trade.get';
/**
 * Youzan publishes no rate for the order APIs; 30 calls/s per shop is its documented rate for
 * item.quantity.update 3.0.0 (the lowest of the APIs used here).
 */
export const DEFAULT_LIMITS: TargetLimits = { calls: 30, perMs: 1000, concurrency: 4 };

/** The hub.yaml `shops:` entry of a Youzan shop (secrets resolved from the environment). */
export interface YouzanShopConfig extends ShopConfig {
  clientId: string;
  clientSecret: string;
  /** The shop's 店铺 id (kdt_id): grant_id of silent tokens, and the shop pushes must name. */
  kdtId: string | number;
  /** silent (自用型, default) or refresh_token (工具型, with refreshToken). */
  authorizeType?: 'silent' | 'refresh_token';
  refreshToken?: string;
  /** Called with each new refresh token of a tool app (Youzan rotates it): store it. */
  onRefreshToken?: (refreshToken: string) => void;
  /** Refresh the token this long before it expires (default 24 h, at most a quarter of its life). */
  tokenRefreshAheadMs?: number;
  /** Orders per page, 1–100 (default 100). */
  pageSize?: number;
  /** How long after its end a window is read (default 30 s: Youzan's search lags). */
  settleMs?: number;
  /** Merchant code → `"<item_id>:<sku_id>"` (or `"<item_id>:"`), for stock updates. */
  skuMap?: Record<string, string>;
  /** Per call (default 15 s). */
  timeoutMs?: number;
  versions?: Partial<typeof VERSIONS>;
  limits?: TargetLimits;
}

export interface YouzanHealth {
  channel: 'youzan';
  shop: string;
  token: TokenHealth;
}

export type YouzanConnector = Omit<Connector, 'health'> & { health(): YouzanHealth };

export const createYouzanConnector: ConnectorFactory = (shop, deps) => createYouzan(shop, deps);

/** The same, typed with `health()`. */
export function createYouzan(shop: ShopConfig, deps: { fetch: typeof fetch; now: () => number }): YouzanConnector {
  const config = shop as YouzanShopConfig;
  const problems = (['clientId', 'clientSecret', 'kdtId'] as const).filter((k) => config[k] === undefined || config[k] === null || String(config[k]) === '');
  if (problems.length) throw new Error(`youzan shop ${shop.shop}: ${problems.join(', ')} required`);
  const authorizeType = config.authorizeType ?? 'silent';
  if (authorizeType === 'refresh_token' && !config.refreshToken) throw new Error(`youzan shop ${shop.shop}: refreshToken required with authorizeType refresh_token`);
  const pageSize = config.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new Error(`youzan shop ${shop.shop}: pageSize must be 1–100`);

  const baseUrl = (shop.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
  const versions = { ...VERSIONS, ...config.versions };
  const timeoutMs = config.timeoutMs ?? 15_000;
  const kdtId = String(config.kdtId);
  const tokens = new TokenKeeper(
    {
      baseUrl,
      clientId: String(config.clientId),
      clientSecret: String(config.clientSecret),
      grantId: kdtId,
      authorizeType,
      ...(config.refreshToken ? { refreshToken: config.refreshToken } : {}),
      ...(config.tokenRefreshAheadMs !== undefined ? { refreshAheadMs: config.tokenRefreshAheadMs } : {}),
      ...(typeof config.onRefreshToken === 'function' ? { onRefreshToken: config.onRefreshToken } : {}),
      timeoutMs,
    },
    deps.fetch,
    deps.now,
  );
  const client = new YouzanClient(baseUrl, tokens, deps.fetch, timeoutMs);
  const found = new Map<string, Target>();

  return {
    channel: 'youzan',
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    pull(request) {
      return pullPage(request, { client, version: versions.soldGet, pageSize, settleMs: config.settleMs ?? DEFAULT_SETTLE_MS, now: deps.now });
    },

    async fetchOrder(tid) {
      const call = await client.call(TRADE_GET, versions.tradeGet, { tid });
      if (!call.ok) return { ok: false, outcome: call.outcome };
      const order = call.data.full_order_info;
      if (!order || typeof order !== 'object') return { ok: false, outcome: { outcome: 'failed', code: 'shape', reason: `${TRADE_GET}: the answer for ${tid} has no full_order_info` } };
      return { ok: true, order };
    },

    async receive(request) {
      return receiveYouzanPush(request, { clientId: String(config.clientId), clientSecret: String(config.clientSecret), kdtId, now: deps.now });
    },

    updateStock(item) {
      return updateStock(item, { client, version: versions.quantityUpdate, skuMap: config.skuMap ?? {}, found });
    },

    health() {
      return { channel: 'youzan', shop: shop.shop, token: tokens.health() };
    },
  };
}
