/**
 * What a message template sees of a delivery (bots, SMS): the order's numbers and lines, why it
 * was held or short, the failed delivery — with the receiver masked and no address anywhere.
 * Every channel that writes messages builds the same view, so a template works in any of them.
 */
import { maskText } from '../mapping/text.ts';
import { fenToYuan } from '../order/money.ts';
import { isoToBeijing } from '../order/time.ts';
import { maskPersonalData } from './mask.ts';
import type { Delivery } from './types.ts';

export interface MessageView {
  kind: string;
  time: string;
  orderId?: string;
  channel?: string;
  externalId?: string;
  status?: string;
  holds: Array<{ rule?: string; reason: string }>;
  shortLines: Array<{ sku: string; title?: string; quantity: number }>;
  amount?: string;
  threshold?: string;
  lines: Array<{ sku: string; title: string; quantity: number }>;
  itemCount: number;
  receiver?: { name: string; phone: string };
  target?: string;
  deliveryKind?: string;
  attempts?: number;
  error?: string;
  payload: unknown;
}

/** The data a template sees. */
export function messageView(delivery: Delivery, now: number, minOrderAmount?: number): MessageView {
  const payload = delivery.payload ?? {};
  const order = delivery.order;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
  const lines = [...(order?.lines ?? []), ...(order?.extraLines ?? [])].map((l) => ({ sku: l.sku, title: l.title, quantity: l.quantity, lineId: l.lineId }));
  const threshold = typeof payload.threshold === 'number' ? payload.threshold : minOrderAmount;
  const view: MessageView = {
    kind: delivery.kind,
    time: isoToBeijing(new Date(now).toISOString()),
    holds: holdsOf(payload),
    shortLines: shortLinesOf(payload, lines),
    lines: lines.map(({ sku, title, quantity }) => ({ sku, title, quantity })),
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    payload: sanitize(payload),
  };
  const set = <K extends keyof MessageView>(key: K, value: MessageView[K] | undefined) => {
    if (value !== undefined) view[key] = value;
  };
  set('orderId', text(payload.orderId) ?? delivery.orderId ?? undefined);
  set('channel', text(payload.channel) ?? order?.channel);
  set('externalId', text(payload.externalId) ?? order?.externalId);
  set('status', order?.status);
  set('amount', order && Number.isSafeInteger(order.amounts.paid) ? fenToYuan(order.amounts.paid) : undefined);
  set('threshold', threshold !== undefined && Number.isSafeInteger(threshold) ? fenToYuan(threshold) : undefined);
  set('receiver', order?.receiver ? { name: maskText(order.receiver.name, 1, 0), phone: maskText(order.receiver.phone, 3, 4) } : undefined);
  set('target', text(payload.target));
  set('deliveryKind', text(payload.kind));
  set('attempts', typeof payload.attempts === 'number' ? payload.attempts : undefined);
  set('error', text(payload.error) ?? text(payload.lastError) ?? text(payload.last_error));
  return view;
}

function holdsOf(payload: Record<string, unknown>): MessageView['holds'] {
  const list = Array.isArray(payload.holds) ? payload.holds : Array.isArray(payload.reasons) ? payload.reasons : [];
  return list.flatMap((h): MessageView['holds'] => {
    if (typeof h === 'string') return [{ reason: h }];
    if (h && typeof h === 'object' && typeof (h as { reason?: unknown }).reason === 'string') {
      const { rule, reason } = h as { rule?: unknown; reason: string };
      return [typeof rule === 'string' ? { rule, reason } : { reason }];
    }
    return [];
  });
}

function shortLinesOf(payload: Record<string, unknown>, lines: Array<{ sku: string; title: string; lineId: string }>): MessageView['shortLines'] {
  const list = Array.isArray(payload.shortfall) ? payload.shortfall : Array.isArray(payload.lines) ? payload.lines : [];
  return list.flatMap((l): MessageView['shortLines'] => {
    if (!l || typeof l !== 'object') return [];
    const { sku, lineId, quantity } = l as { sku?: unknown; lineId?: unknown; quantity?: unknown };
    const line = lines.find((o) => (typeof lineId === 'string' && o.lineId === lineId) || o.sku === sku);
    const code = typeof sku === 'string' ? sku : line?.sku;
    if (!code || typeof quantity !== 'number') return [];
    return [line?.title ? { sku: code, title: line.title, quantity } : { sku: code, quantity }];
  });
}

const ADDRESS_KEYS = /^(receiver|address|receiver_?address|detail|street|town|district|postal_?code|zip)$/i;

/** The payload as templates may see it: no address-like fields, phones and names masked. */
function sanitize(value: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !ADDRESS_KEYS.test(k)).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  return maskPersonalData(strip(value));
}


/** Messages one chat-robot digest holds at most: it stays readable and well inside the robots' size limits. */
export const DIGEST_MAX = 10;

/** Several messages as one markdown text, when more are due than a robot's 20 a minute let out. */
export function digestText(texts: string[]): string {
  return [`#### 共 ${texts.length} 条通知（合并发送）`, ...texts].join('\n\n---\n\n');
}

/** The body of a shop-credentials notice (notify.credentials) both robots post under their own heading. */
export const CREDENTIALS_LINES = `- 店铺：{{payload.channel}} / {{payload.shop}}
- 状态：{{payload.state}}{{#if payload.expiresAt}}（到期 {{payload.expiresAt}}）{{/if}}
{{#if payload.lastRefreshError}}
- 最近刷新错误：{{payload.lastRefreshError}}（连续 {{payload.consecutiveRefreshFailures}} 次）
{{/if}}

授权失效后该店铺的订单将停止进入，请尽快重新授权。`;

/** The lines of the daily summary (notify.daily_summary) both robots post under their own heading. */
export const DAILY_SUMMARY_LINES = `- 新订单：{{payload.orders}} 单，实付 ¥{{payload.paidYuan}}
{{#each payload.byChannel}}
  - {{channel}}：{{orders}} 单，¥{{paidYuan}}
{{/each}}
- 已投递：{{payload.delivered}} 次
- 待审核订单：{{payload.held}}
- 隔离区待处理：{{payload.quarantined}}
- 投递失败待处理：{{payload.deadLetters}}`;
