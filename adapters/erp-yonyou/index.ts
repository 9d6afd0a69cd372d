/**
 * Yonyou YonBIP (用友 BIP / YonSuite) as a delivery target, through its open API: a sale order
 * (销售订单, voucherorder/singleSave) and a general-ledger voucher (凭证, voucher/addVoucher) per
 * order, and a red voucher (红字凭证) reversing it when money goes back after the documents went out.
 *
 * Both APIs are idempotent on a key the caller gives, derived here from the delivery's
 * idempotency key alone: singleSave's `resubmitCheckKey` (a repeat answers with the first
 * result) and addVoucher's `businessId` (业务唯一标识, checked for idempotency). So a call that
 * ended ambiguously is simply sent again (`idempotent: true`): Yonyou keeps one document.
 *
 * The bodies come from the outbound mappings (sale-order.yaml, voucher.yaml,
 * voucher-refund.yaml) against the schemas beside them. A refund's mapping sees the order with
 * `refund: { lines, amount, original }`: the refunded lines, their sum in fen, and the
 * businessId of the voucher it reverses.
 *
 * @example
 * const yonyou = createYonyouAdapter(
 *   { baseUrl: 'https://yonbip.diwork.com/iuap-api-gateway', authUrl: 'https://yonbip.diwork.com/iuap-api-auth',
 *     appKey: '…', appSecret: '…', mappings: { saleOrder: readFileSync('adapters/erp-yonyou/sale-order.yaml', 'utf8') } },
 *   { fetch },
 * );
 * await yonyou.send(delivery); // { outcome: 'delivered', response: { code: '200', data: { id, code, … } } }
 */
import { compileMapping, type CompiledMapping, type JsonSchema } from '../../core/mapping/index.ts';
import { documentCodeFor } from '../../core/outbox/document-code.ts';
import { refundInput } from '../../core/outbox/refund.ts';
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { classifyAnswer } from './classify.ts';
import { YonyouClient } from './client.ts';
import saleOrderSchema from './sale-order.schema.json' with { type: 'json' };
import voucherSchema from './voucher.schema.json' with { type: 'json' };

/** A mapping's YAML text, and the file name its problems are reported under. */
export type MappingSource = string | { text: string; file: string };

export interface YonyouConfig {
  /** The tenant's API gateway (getGatewayAddress `gatewayUrl`), or the sandbox. */
  baseUrl: string;
  /** Where tokens come from (getGatewayAddress `tokenUrl`); default: baseUrl. */
  authUrl?: string;
  appKey: string;
  appSecret: string;
  /** The outbound mappings; a document without one is not sent (its deliveries fail). */
  mappings: { saleOrder?: MappingSource; voucher?: MappingSource; voucherRefund?: MappingSource };
  /** Delivery kinds (hub.yaml `deliveries:`) of the three documents. */
  kinds?: { saleOrder?: string; voucher?: string; voucherRefund?: string };
  /** Give sale orders their code (the tenant numbers them by hand), with this prefix. */
  saleOrderCodePrefix?: string;
  /** A call without an answer after this long is abandoned, and sent again later (default 30 s). */
  timeoutMs?: number;
  limits?: TargetLimits;
}

export interface YonyouDeps {
  fetch: typeof fetch;
  now?: () => number;
}

/** Sale order save is metered per minute (60 calls free, the open platform's notice of 2026-03-31). */
export const DEFAULT_LIMITS: TargetLimits = { calls: 60, perMs: 60_000, concurrency: 4 };
export const DEFAULT_KINDS = { saleOrder: 'erp.sale_order', voucher: 'erp.voucher', voucherRefund: 'erp.voucher.red' } as const;
export const PATHS = { saleOrder: '/yonbip/sd/voucherorder/singleSave', voucher: '/yonbip/fi/ficloud/openapi/voucher/addVoucher' } as const;
/** After Yonyou refused the token: soon, with a new one. */
export const TOKEN_RETRY_MS = 1_000;

type Label = keyof YonyouConfig['mappings'];

interface Document {
  label: Label;
  path: string;
  mapping: CompiledMapping;
}

/** The key Yonyou dedupes a document on: at most 32 characters, from the delivery's key alone. */
export function documentKeyFor(idempotencyKey: string, label: Label): Promise<string> {
  const prefix = { saleOrder: 'SO-', voucher: 'GL-', voucherRefund: 'GLR-' }[label];
  return documentCodeFor(idempotencyKey, { prefix, maxLength: 32, minDigest: 16, digestOf: 'key' });
}

export function createYonyouAdapter(config: YonyouConfig, deps: YonyouDeps): Adapter {
  for (const key of ['baseUrl', 'appKey', 'appSecret'] as const) if (!config[key]) throw new Error(`Yonyou: ${key} is required`);
  const documents = new Map<string, Document>();
  const add = (label: Label, path: string, schemaName: string, schema: JsonSchema, file: string) => {
    const source = config.mappings[label];
    if (source === undefined) return;
    const { text, file: name } = typeof source === 'string' ? { text: source, file: `adapters/erp-yonyou/${file}` } : source;
    documents.set(config.kinds?.[label] ?? DEFAULT_KINDS[label], { label, path, mapping: compileMapping(text, { file: name, schemas: { [schemaName]: schema } }) });
  };
  add('saleOrder', PATHS.saleOrder, 'sale-order.schema.json', saleOrderSchema as JsonSchema, 'sale-order.yaml');
  add('voucher', PATHS.voucher, 'voucher.schema.json', voucherSchema as JsonSchema, 'voucher.yaml');
  add('voucherRefund', PATHS.voucher, 'voucher.schema.json', voucherSchema as JsonSchema, 'voucher-refund.yaml');
  if (documents.size === 0) throw new Error('Yonyou: give at least one mapping (mappings.saleOrder, mappings.voucher, mappings.voucherRefund)');
  const client = new YonyouClient(
    { baseUrl: config.baseUrl, authUrl: config.authUrl ?? config.baseUrl, appKey: config.appKey, appSecret: config.appSecret, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) },
    deps.fetch,
    deps.now,
  );

  /** The request body: the mapped document with its idempotency key (and code) in place. */
  const bodyOf = async (doc: Document, delivery: Delivery): Promise<Record<string, unknown>> => {
    const input = { ...delivery.order!, ...(await refundInput(delivery, (key) => documentKeyFor(key, 'voucher'))) };
    const mapped = doc.mapping.run(input) as Record<string, unknown>;
    const key = await documentKeyFor(delivery.idempotencyKey, doc.label);
    if (doc.label !== 'saleOrder') return { businessId: key, ...mapped };
    const code = config.saleOrderCodePrefix ? { code: await documentCodeFor(delivery.idempotencyKey, { prefix: config.saleOrderCodePrefix, maxLength: 32, minDigest: 16, digestOf: 'key' }) } : {};
    return { data: { resubmitCheckKey: key, ...code, _status: 'Insert', ...mapped } };
  };

  return {
    idempotent: true,
    limits: { ...DEFAULT_LIMITS, ...config.limits },
    async send(delivery) {
      const doc = documents.get(delivery.kind);
      if (!doc) return { outcome: 'failed', code: 'kind', reason: `the Yonyou adapter has no mapping for delivery kind "${delivery.kind}" (it has ${[...documents.keys()].join(', ')})` };
      if (!delivery.order) return { outcome: 'failed', code: 'order', reason: `delivery ${delivery.id} carries no order to map` };
      let body: Record<string, unknown>;
      try {
        body = await bodyOf(doc, delivery);
      } catch (e) {
        return { outcome: 'failed', code: 'mapping', reason: (e as Error).message };
      }
      const request = { path: doc.path, body };
      const token = await client.accessToken();
      if (!token.ok) return { outcome: 'retry', reason: token.reason, request };
      const call = await client.post(doc.path, body, token.token);
      if (call.kind === 'not-sent') return { outcome: 'retry', reason: call.reason, request };
      // Sent again later with the same key, Yonyou answers with the document it already made.
      if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: call.reason, request };
      const verdict = classifyAnswer(call);
      switch (verdict.kind) {
        case 'ok': {
          const data = (verdict.data ?? {}) as { id?: unknown; voucherId?: unknown };
          const id = data.id ?? data.voucherId;
          const key = doc.label === 'saleOrder' ? (body.data as { resubmitCheckKey: string }).resubmitCheckKey : String(body.businessId);
          return { outcome: 'delivered', request, response: verdict.body, documentCode: key, ...(id !== undefined && id !== null ? { externalRef: String(id) } : {}) };
        }
        case 'token':
          client.dropToken();
          return { outcome: 'retry', reason: verdict.reason, afterMs: TOKEN_RETRY_MS, request, response: verdict.body };
        case 'retry':
          return { outcome: 'retry', reason: verdict.reason, afterMs: verdict.afterMs, ...(verdict.pauseTarget ? { pauseTarget: true } : {}), request, ...(verdict.body !== undefined ? { response: verdict.body } : {}) };
        case 'failed':
          return { outcome: 'failed', code: verdict.code, reason: verdict.reason, request, ...(verdict.body !== undefined ? { response: verdict.body } : {}) };
      }
    },
  };
}
