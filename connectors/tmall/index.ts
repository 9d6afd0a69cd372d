/**
 * Tmall / Taobao through TOP (Taobao Open Platform): pulls sold trades by modified time
 * (taobao.trades.sold.increment.get, then taobao.trade.fullinfo.get per trade), fetches one
 * trade after a push, takes TMC messages from a relay (push.ts), and sets channel stock
 * (taobao.item.quantity.update, full quantity). The raw `trade` objects it hands over are the
 * input of mappings/tmall.yaml, with 19-digit ids kept as exact digit strings.
 *
 * Shop config (hub.yaml `shops:`, secrets as ${env:NAME}):
 *
 * | key | |
 * |---|---|
 * | baseUrl | the gateway: https://eco.taobao.com/router/rest (or gw.api.taobao.com, the sandbox's gw.api.tbsandbox.com, the simulator) |
 * | appKey, appSecret | the app's |
 * | session | the merchant's access token (OAuth), sent as `session` |
 * | signMethod | md5, hmac or hmac-sha256 (default) |
 * | windowMinutes, pageSize, fetchConcurrency | pulling (pull.ts): 30, 50, 4 |
 * | pushSecrets | secrets the TMC relay may sign with (default: the app secret) |
 * | pushToleranceMinutes | how old a relayed push may be (default 10) |
 * | timeoutMs | per call (default 15 000) |
 *
 * @example
 * const tmall = createTmallConnector({ channel: 'tmall', shop: 'flagship', baseUrl: 'https://eco.taobao.com/router/rest',
 *   appKey: '34567890', appSecret: process.env.TMALL_SECRET, session: process.env.TMALL_SESSION }, { fetch, now: Date.now });
 * const page = await tmall.pull!({ from: '2024-05-20T10:00:00+08:00', to: '2024-05-20T10:30:00+08:00' });
 */
import type { ConnectorFactory, ShopConfig } from '../../core/connector/types.ts';
import type { SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { TopClient } from './client.ts';
import { createPuller, FULLINFO_FIELDS, outcomeOf } from './pull.ts';
import { receiveTmc } from './push.ts';
import { SIGN_METHODS, type SignMethod } from './sign.ts';

export { signTop, signBase, beijingTime } from './sign.ts';
export type { SignMethod, TopSignature } from './sign.ts';
export { classifyTop, classifyTopError } from './classify.ts';
export { FULLINFO_FIELDS } from './pull.ts';
export { parseTmcMessages, verifyRelayRequest } from './push.ts';

/**
 * TOP meters calls per app (and per API), shared by every shop the app serves and by the
 * merchant's other tools; an app that has not gone live gets about 5,000 calls a day
 * (open.fliggy.com/docs/doc.htm?articleId=102834). Going over answers code 7 with the ban's
 * length, which the classifier turns into a paused target. The per-second quota of a live app
 * is set per app and not published: these are conservative defaults (one pull is up to
 * pageSize + 1 HTTP calls), overridable with `limits` in hub.yaml.
 */
export const TMALL_LIMITS: TargetLimits = { calls: 5, perMs: 1_000, concurrency: 2 };

function text(shop: ShopConfig, key: string): string | undefined {
  const value = shop[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function num(shop: ShopConfig, key: string): number | undefined {
  const value = shop[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Which listing a stock number is for, from the channel SKU id: `<num_iid>:<sku_id>` (one SKU),
 * `<num_iid>/<outer_id>` (the SKU with that merchant code) or `<num_iid>` (an item without SKUs).
 */
export function stockTarget(channelSkuId: string | undefined): { num_iid: string; sku_id?: string; outer_id?: string } | undefined {
  const match = channelSkuId ? /^(\d+)(?::(\d+)|\/(.+))?$/.exec(channelSkuId.trim()) : null;
  if (!match) return undefined;
  return { num_iid: match[1]!, ...(match[2] ? { sku_id: match[2] } : {}), ...(match[3] ? { outer_id: match[3] } : {}) };
}

export const createTmallConnector: ConnectorFactory = (shop, deps) => {
  const appKey = text(shop, 'appKey');
  const appSecret = text(shop, 'appSecret');
  const session = text(shop, 'session');
  const signMethod = text(shop, 'signMethod');
  const configProblem =
    !appKey || !appSecret
      ? `tmall shop ${shop.shop}: appKey and appSecret are required`
      : !shop.baseUrl
        ? `tmall shop ${shop.shop}: baseUrl (the TOP gateway) is required`
        : signMethod && !(SIGN_METHODS as readonly string[]).includes(signMethod)
          ? `tmall shop ${shop.shop}: signMethod must be md5, hmac or hmac-sha256`
          : undefined;
  const configFailure: SendOutcome & { outcome: 'failed' } = { outcome: 'failed', reason: configProblem ?? '', code: 'config' };

  const top = configProblem
    ? undefined
    : new TopClient(
        {
          baseUrl: shop.baseUrl,
          appKey: appKey!,
          appSecret: appSecret!,
          ...(session ? { session } : {}),
          ...(signMethod ? { signMethod: signMethod as SignMethod } : {}),
          ...(num(shop, 'timeoutMs') !== undefined ? { timeoutMs: num(shop, 'timeoutMs')! } : {}),
        },
        deps,
      );
  const pull = top
    ? createPuller(top, {
        ...(num(shop, 'windowMinutes') !== undefined ? { windowMinutes: num(shop, 'windowMinutes')! } : {}),
        ...(num(shop, 'pageSize') !== undefined ? { pageSize: num(shop, 'pageSize')! } : {}),
        ...(num(shop, 'fetchConcurrency') !== undefined ? { fetchConcurrency: num(shop, 'fetchConcurrency')! } : {}),
      })
    : undefined;
  const pushSecrets = [shop.pushSecrets, shop.pushSecret]
    .flat()
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
  const limits = shop.limits && typeof shop.limits === 'object' ? (shop.limits as TargetLimits) : TMALL_LIMITS;

  return {
    channel: 'tmall',
    limits,

    async pull(request) {
      if (!pull) return { ok: false, outcome: configFailure };
      return pull(request);
    },

    async fetchOrder(externalId) {
      if (!top) return { ok: false, outcome: configFailure };
      if (!/^\d+$/.test(externalId)) return { ok: false, outcome: { outcome: 'failed', reason: `"${externalId}" is not a Tmall tid`, code: 'bad_id' } };
      const verdict = await top.call('taobao.trade.fullinfo.get', { tid: externalId, fields: FULLINFO_FIELDS });
      if (verdict.kind !== 'ok') return { ok: false, outcome: outcomeOf(verdict) };
      const trade = verdict.body.trade;
      if (!trade || typeof trade !== 'object') return { ok: false, outcome: { outcome: 'failed', reason: `taobao.trade.fullinfo.get ${externalId}: no trade in the answer`, code: 'unexpected' } };
      return { ok: true, order: trade };
    },

    async receive(request) {
      if (!appKey || !appSecret) {
        return { response: { status: 503, body: configProblem ?? '' }, rejected: configProblem ?? 'not configured', items: [] };
      }
      return receiveTmc(request, {
        appKey,
        secrets: pushSecrets.length ? pushSecrets : [appSecret],
        now: deps.now,
        ...(num(shop, 'pushToleranceMinutes') !== undefined ? { toleranceMinutes: num(shop, 'pushToleranceMinutes')! } : {}),
      });
    },

    async updateStock(item) {
      if (!top) return configFailure;
      const target = stockTarget(item.channelSkuId);
      if (!target) {
        return { outcome: 'failed', reason: `SKU ${item.sku}: the channel SKU id must be "<num_iid>:<sku_id>", "<num_iid>/<outer_id>" or "<num_iid>" (got ${JSON.stringify(item.channelSkuId ?? null)})`, code: 'no_channel_sku' };
      }
      // type=1 sets the full quantity (type=2 would add to it): repeating it is harmless.
      const params = { ...target, quantity: String(Math.max(0, Math.floor(item.available))), type: '1' };
      const request = { method: 'taobao.item.quantity.update', params };
      const verdict = await top.call('taobao.item.quantity.update', params);
      if (verdict.kind === 'ok') return { outcome: 'delivered', request, response: verdict.body };
      return { ...outcomeOf(verdict), request };
    },
  };
};
