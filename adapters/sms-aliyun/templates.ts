/**
 * Customer messages. An Aliyun SMS is an approved template (`TemplateCode`, e.g. `SMS_4628…`)
 * filled with variables (`TemplateParam`, a JSON object of strings). Each delivery kind maps to
 * one template code and one Handlebars template per variable, compiled to closures
 * (core/mapping/template.ts) at start-up; the rendered strings become `TemplateParam` through
 * JSON.stringify, so no value can break the JSON.
 *
 * A variable template sees a message view, never the raw order: the receiver's name (the SMS
 * goes to that person) but no phone and no address.
 *
 * | field | what |
 * |---|---|
 * | `kind`, `orderId`, `channel`, `shopId`, `externalId`, `status` | the delivery and its order |
 * | `amount` | paid amount in yuan (`123.70`) |
 * | `itemCount`, `firstTitle`, `lines[]` | `{ sku, title, quantity }` |
 * | `receiver` | `{ name, surname }` (surname: the first character) |
 * | `carrier`, `carrierCode`, `waybillNo` | from `payload.carrier` (display name by `carrierNames`) and `payload.waybillNo` |
 * | `refundAmount` | `payload.refundAmount` (fen) in yuan |
 * | `payload` | the payload, phones masked, address-like fields dropped |
 *
 * @example
 * const messages = compileMessages({ 'sms.shipped': { templateCode: 'SMS_1', params: { no: '{{waybillNo}}' } } });
 * messages.render(delivery); // { templateCode: 'SMS_1', params: { no: 'SF1234567890' } }
 */
import { rootScope } from '../../core/mapping/scope.ts';
import { compileTemplate } from '../../core/mapping/template.ts';
import { fenToYuan } from '../../core/order/money.ts';
import { maskPersonalData } from '../../core/outbox/mask.ts';
import type { Delivery } from '../../core/outbox/types.ts';

/** Variable templates for the built-in kinds, used where a kind's config gives no `params`. */
export const DEFAULT_PARAMS: Record<string, Record<string, string>> = {
  'sms.order_confirmed': { order: '{{externalId}}', amount: '{{amount}}' },
  'sms.shipped': { order: '{{externalId}}', company: '{{carrier}}', waybill: '{{waybillNo}}' },
  'sms.delivered': { order: '{{externalId}}' },
  'sms.refund_done': { order: '{{externalId}}', amount: '{{refundAmount}}' },
};

/** Display names of the carriers the routing module knows by id. */
export const CARRIER_NAMES: Record<string, string> = {
  sf: '顺丰速运',
  yto: '圆通速递',
  zto: '中通快递',
  sto: '申通快递',
  yunda: '韵达快递',
  ems: 'EMS',
  jd: '京东物流',
  jt: '极兔速递',
  jtexpress: '极兔速递',
  best: '百世快递',
  deppon: '德邦快递',
};

export interface MessageConfig {
  /** The approved template's code, `SMS_…`. */
  templateCode: string;
  /** Template variable → Handlebars template; replaces the kind's defaults when given. */
  params?: Record<string, string>;
}

export class TemplateConfigError extends Error {
  override name = 'TemplateConfigError';
}

/** A variable rendered empty: the message would go out with a hole in it. */
export class MissingValueError extends Error {
  override name = 'MissingValueError';
}

export interface RenderedMessage {
  templateCode: string;
  params: Record<string, string>;
}

export interface CompiledMessages {
  kinds: string[];
  /** Null when no template is configured for the kind. Throws MissingValueError for an empty variable. */
  render(delivery: Delivery): RenderedMessage | null;
}

/** Compiles every configured kind's variables once; a bad template throws here, at start-up. */
export function compileMessages(config: Record<string, MessageConfig>, carrierNames: Record<string, string> = {}): CompiledMessages {
  const names = { ...CARRIER_NAMES, ...carrierNames };
  const compiled = new Map<string, { templateCode: string; params: Array<[string, (view: MessageView) => string]> }>();
  for (const [kind, message] of Object.entries(config)) {
    if (!message.templateCode?.trim()) throw new TemplateConfigError(`messages.${kind}.templateCode: required (the approved template's code, SMS_…)`);
    const sources = message.params ?? DEFAULT_PARAMS[kind] ?? {};
    const params: Array<[string, (view: MessageView) => string]> = [];
    for (const [variable, source] of Object.entries(sources)) {
      const result = compileTemplate(source);
      if ('error' in result) throw new TemplateConfigError(`messages.${kind}.params.${variable}:${result.line}:${result.column}: ${result.error}`);
      params.push([variable, (view) => result.render(rootScope(view))]);
    }
    compiled.set(kind, { templateCode: message.templateCode.trim(), params });
  }
  return {
    kinds: [...compiled.keys()],
    render(delivery) {
      const message = compiled.get(delivery.kind);
      if (!message) return null;
      const view = messageView(delivery, names);
      const params: Record<string, string> = {};
      for (const [variable, render] of message.params) {
        const value = render(view).trim();
        if (value === '') throw new MissingValueError(`template variable "${variable}" of ${delivery.kind} rendered empty`);
        params[variable] = value;
      }
      return { templateCode: message.templateCode, params };
    },
  };
}

export interface MessageView {
  kind: string;
  orderId?: string;
  channel?: string;
  shopId?: string;
  externalId?: string;
  status?: string;
  amount?: string;
  itemCount: number;
  firstTitle?: string;
  lines: Array<{ sku: string; title: string; quantity: number }>;
  receiver?: { name: string; surname: string };
  carrier?: string;
  carrierCode?: string;
  waybillNo?: string;
  refundAmount?: string;
  payload: unknown;
}

/** The data a variable template sees (see the table above). */
export function messageView(delivery: Delivery, carrierNames: Record<string, string> = CARRIER_NAMES): MessageView {
  const payload = delivery.payload ?? {};
  const order = delivery.order;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
  const lines = [...(order?.lines ?? []), ...(order?.extraLines ?? [])].map((l) => ({ sku: l.sku, title: l.title, quantity: l.quantity }));
  const view: MessageView = {
    kind: delivery.kind,
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    lines,
    payload: sanitize(payload),
  };
  const set = <K extends keyof MessageView>(key: K, value: MessageView[K] | undefined) => {
    if (value !== undefined) view[key] = value;
  };
  const carrierCode = text(payload.carrier) ?? text(payload.carrierCode);
  const refund = payload.refundAmount ?? payload.refund_amount;
  set('orderId', text(payload.orderId) ?? delivery.orderId ?? undefined);
  set('channel', text(payload.channel) ?? order?.channel);
  set('shopId', order?.shopId);
  set('externalId', text(payload.externalId) ?? order?.externalId);
  set('status', order?.status);
  set('amount', order && Number.isSafeInteger(order.amounts.paid) ? fenToYuan(order.amounts.paid) : undefined);
  set('firstTitle', lines[0]?.title);
  set('receiver', order?.receiver?.name ? { name: order.receiver.name, surname: [...order.receiver.name][0]! } : undefined);
  set('carrierCode', carrierCode);
  set('carrier', text(payload.carrierName) ?? (carrierCode ? (carrierNames[carrierCode.toLowerCase()] ?? carrierCode) : undefined));
  set('waybillNo', text(payload.waybillNo) ?? text(payload.waybill) ?? text(payload.trackingNo));
  set('refundAmount', Number.isSafeInteger(refund) ? fenToYuan(refund as number) : undefined);
  return view;
}

const ADDRESS_KEYS = /^(receiver|address|receiver_?address|detail|street|town|district|postal_?code|zip|phone|mobile|receiver_?phone|receiver_?mobile)$/i;

/** The payload as templates may see it: no address or phone fields, phone-like digits masked. */
function sanitize(value: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !ADDRESS_KEYS.test(k)).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  return maskPersonalData(strip(value));
}
