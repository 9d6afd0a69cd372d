/**
 * Kingdee K/3 Cloud (金蝶云星空) as a delivery target: a sale order (SAL_SaleOrder) and a
 * receivable (AR_receivable) per order, saved through the WebAPI's DynamicFormService.Save, and
 * a red receivable (红字应收单: negative quantities) for money refunded after they went out, its
 * remark naming the receivable it reverses (the mapping sees `refund: { lines, amount, original }`).
 *
 * Save has no idempotency key, so the adapter makes one: the bill number (FBillNo) is derived
 * from the delivery's idempotency key, and a repeated Save of the same number is refused by
 * Kingdee as a duplicate, which counts as delivered. After an ambiguous call the engine asks
 * `lookup` (ExecuteBillQuery on FBillNo) before anything is sent again. The account set's coding
 * rule (编码规则) for both bills must let FBillNo be given by hand, or Kingdee numbers the bill itself.
 *
 * The bodies come from the outbound mappings (sale-order.yaml, receivable.yaml), passed in as
 * text and compiled here once, against the Model schemas beside them.
 *
 * @example
 * const kingdee = createKingdeeAdapter(
 *   { baseUrl: 'https://erp.example.com/k3cloud/', acctId: '6871005268bf9d',
 *     auth: { kind: 'app-secret', username: 'api', appId: '2xxxx_…', appSecret: '…' },
 *     mappings: { saleOrder: readFileSync('adapters/erp-kingdee/sale-order.yaml', 'utf8') } },
 *   { fetch },
 * );
 * await kingdee.send(delivery); // { outcome: 'delivered', … } | retry | failed | unknown
 */
import { compileMapping, type CompiledMapping, type JsonSchema } from '../../core/mapping/index.ts';
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { refundInput } from '../../core/outbox/refund.ts';
import { billNoFor, checkBillNoFormat, DEFAULT_BILL_NO_MAX_LENGTH } from './bill-no.ts';
import { classifyOperation, classifyQuery, type Verdict } from './classify.ts';
import { KingdeeClient, SERVICES, type KingdeeAuth, type Session } from './client.ts';
import receivableSchema from './receivable.schema.json' with { type: 'json' };
import saleOrderSchema from './sale-order.schema.json' with { type: 'json' };

export { billNoFor } from './bill-no.ts';
export { classifyOperation, classifyQuery } from './classify.ts';
export { SERVICES, type KingdeeAuth } from './client.ts';

/** A mapping's YAML text, and the file name its problems are reported under. */
export type MappingSource = string | { text: string; file: string };

export interface KingdeeConfig {
  /** The site, ending in /k3cloud/. */
  baseUrl: string;
  /** 数据中心 (account set) id. */
  acctId: string;
  auth: KingdeeAuth;
  /** 2052 (default) simplified Chinese. */
  lcid?: number;
  /** The outbound mappings; a document without one is not sent (its deliveries fail). */
  mappings: { saleOrder?: MappingSource; receivable?: MappingSource; receivableRed?: MappingSource };
  /** Delivery kinds (hub.yaml `deliveries:`) of the documents. */
  kinds?: { saleOrder?: string; receivable?: string; receivableRed?: string };
  /** Bill number prefixes (default SO-, AR- and ARR-). */
  billNoPrefix?: { saleOrder?: string; receivable?: string; receivableRed?: string };
  /** The longest FBillNo the account set takes (default 30). */
  billNoMaxLength?: number;
  /** Save with IsAutoSubmitAndAudit (Kingdee submits and audits in the same call). */
  autoSubmitAndAudit?: boolean;
  /** Submit (and then Audit) with separate calls after the Save. */
  submit?: boolean;
  audit?: boolean;
  /** Interaction flags to answer yes to (InterationFlags), e.g. "STK_InvCheckResult". */
  interationFlags?: string;
  /** Check every base-data number (material, customer …) exists and is enabled (default true). */
  verifyBaseData?: boolean;
  /** A call without an answer after this long is abandoned: unknown for a Save (default 30 s). */
  timeoutMs?: number;
  /** Over the default { concurrency: 4 }. */
  limits?: TargetLimits;
}

export interface KingdeeDeps {
  fetch: typeof fetch;
}

interface Document {
  label: string;
  formId: string;
  prefix: string;
  mapping: CompiledMapping;
}

export const DEFAULT_LIMITS: TargetLimits = { concurrency: 4 };
export const DEFAULT_KINDS = { saleOrder: 'erp.sale_order', receivable: 'erp.receivable', receivableRed: 'erp.receivable.red' } as const;
/** After Kingdee said the session is gone: soon, with a fresh login. */
export const SESSION_LOST_RETRY_MS = 1_000;

/** FDocumentStatus: Z 暂存, A 创建, B 审核中, C 已审核, D 重新审核. */
type DocumentStatus = 'Z' | 'A' | 'B' | 'C' | 'D' | string;

export function createKingdeeAdapter(config: KingdeeConfig, deps: KingdeeDeps): Adapter {
  for (const key of ['baseUrl', 'acctId'] as const) if (!config[key]) throw new Error(`Kingdee: ${key} is required`);
  const maxLength = config.billNoMaxLength ?? DEFAULT_BILL_NO_MAX_LENGTH;
  const documents = new Map<string, Document>();
  const add = (label: 'saleOrder' | 'receivable' | 'receivableRed', formId: string, schemaName: string, schema: JsonSchema, defaultPrefix: string, yaml = schemaName.replace('.schema.json', '.yaml')) => {
    const source = config.mappings[label];
    if (source === undefined) return;
    const { text, file } = typeof source === 'string' ? { text: source, file: `adapters/erp-kingdee/${yaml}` } : source;
    const prefix = config.billNoPrefix?.[label] ?? defaultPrefix;
    checkBillNoFormat(prefix, maxLength);
    const mapping = compileMapping(text, { file, schemas: { [schemaName]: schema } });
    documents.set(config.kinds?.[label] ?? DEFAULT_KINDS[label], { label, formId, prefix, mapping });
  };
  add('saleOrder', 'SAL_SaleOrder', 'sale-order.schema.json', saleOrderSchema as JsonSchema, 'SO-');
  add('receivable', 'AR_receivable', 'receivable.schema.json', receivableSchema as JsonSchema, 'AR-');
  add('receivableRed', 'AR_receivable', 'receivable.schema.json', receivableSchema as JsonSchema, 'ARR-', 'receivable-red.yaml');
  const receivablePrefix = config.billNoPrefix?.receivable ?? 'AR-';
  if (documents.size === 0) throw new Error('Kingdee: give at least one mapping (mappings.saleOrder, mappings.receivable, mappings.receivableRed)');

  const client = new KingdeeClient(
    { baseUrl: config.baseUrl, acctId: config.acctId, auth: config.auth, ...(config.lcid ? { lcid: config.lcid } : {}), ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) },
    deps.fetch,
  );
  const steps: Array<'submit' | 'audit'> = config.autoSubmitAndAudit ? [] : [...(config.submit || config.audit ? ['submit' as const] : []), ...(config.audit ? ['audit' as const] : [])];

  const documentOf = (delivery: Delivery): Document | Extract<SendOutcome, { outcome: 'failed' }> => {
    const doc = documents.get(delivery.kind);
    return doc ?? { outcome: 'failed', code: 'kind', reason: `the Kingdee adapter has no mapping for delivery kind "${delivery.kind}" (it has ${[...documents.keys()].join(', ')})` };
  };

  /** One ExecuteBillQuery by bill number: its FDocumentStatus, or null when there is no such bill. */
  const statusOf = async (doc: Document, billNo: string, session: Session): Promise<{ status: DocumentStatus | null } | { error: string; sessionLost?: boolean }> => {
    const data = { FormId: doc.formId, FieldKeys: 'FBillNo,FDocumentStatus', FilterString: `FBillNo='${billNo}'`, OrderString: '', TopRowCount: 0, StartRow: 0, Limit: 10, SubSystemId: '' };
    const call = await client.post(SERVICES.executeBillQuery, { data: JSON.stringify(data) }, session);
    if (call.kind !== 'answer') return { error: `ExecuteBillQuery: ${call.reason}` };
    const verdict = classifyQuery(call);
    if (verdict.kind === 'session-lost') {
      client.dropSession(session);
      return { error: verdict.reason, sessionLost: true };
    }
    if (verdict.kind === 'error') return { error: `ExecuteBillQuery: ${verdict.reason}` };
    const row = verdict.rows.find((r) => String(r[0]) === billNo) ?? verdict.rows[0];
    return { status: row ? String(row[1] ?? '') : null };
  };

  /** Submit and Audit, from where the bill stands; each one call, in order. */
  const finish = async (doc: Document, billNo: string, status: DocumentStatus, session: Session, request: unknown, response: unknown): Promise<SendOutcome> => {
    for (const step of steps) {
      const needed = step === 'submit' ? status === 'A' || status === 'D' || status === 'Z' : status === 'B';
      if (!needed) continue;
      const data = step === 'submit' ? { Numbers: [billNo], Ids: '', IgnoreInterationFlag: true } : { Numbers: [billNo], Ids: '', InterationFlags: config.interationFlags ?? '', IgnoreInterationFlag: true };
      const name = step === 'submit' ? 'Submit' : 'Audit';
      const call = await client.post(step === 'submit' ? SERVICES.submit : SERVICES.audit, { formid: doc.formId, data: JSON.stringify(data) }, session);
      // Saved already: a repeat finds the bill by its number and carries on from its status.
      if (call.kind === 'not-sent') return { outcome: 'retry', reason: `${billNo} saved; ${name}: ${call.reason}`, request };
      if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: `${billNo} saved; ${name}: ${call.reason}`, request };
      const verdict = classifyOperation(call, billNo);
      if (verdict.kind !== 'ok') {
        if (verdict.kind === 'session-lost') client.dropSession(session);
        return outcomeOf(verdict, request, `${billNo} saved; ${name}: `);
      }
      status = step === 'submit' ? 'B' : 'C';
      response = verdict.body;
    }
    return { outcome: 'delivered', request, response };
  };

  /** One document's Save (then Submit/Audit as configured) under its bill number. */
  const save = async (delivery: Delivery, doc: Document, billNo: string): Promise<SendOutcome> => {
    if (!delivery.order) return { outcome: 'failed', code: 'order', reason: `delivery ${delivery.id} carries no order to map` };
    let model: Record<string, unknown>;
    try {
      const refund = await refundInput(delivery, (key) => billNoFor(key, receivablePrefix, maxLength));
      model = doc.mapping.run({ ...delivery.order, ...refund }) as Record<string, unknown>;
    } catch (e) {
      return { outcome: 'failed', code: 'mapping', reason: (e as Error).message };
    }
    const data = saveData(withBillNo(model, billNo), config);
    const request = { service: SERVICES.save, formid: doc.formId, data };

    const login = await client.session();
    if (!login.ok) return { outcome: 'retry', reason: login.reason, ...(login.afterMs !== undefined ? { afterMs: login.afterMs } : {}) };
    const session = login.session;
    const call = await client.post(SERVICES.save, { formid: doc.formId, data: JSON.stringify(data) }, session);
    if (call.kind === 'not-sent') return { outcome: 'retry', reason: `Save: ${call.reason}`, request };
    if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: `Save ${billNo}: ${call.reason}`, request };
    const verdict = classifyOperation(call, billNo);
    switch (verdict.kind) {
      case 'ok':
        return finish(doc, billNo, config.autoSubmitAndAudit ? 'C' : 'A', session, request, verdict.body);
      case 'duplicate': {
        // Ours from an earlier attempt: the number is derived from this delivery alone.
        if (steps.length === 0) return { outcome: 'delivered', request, response: verdict.body };
        const found = await statusOf(doc, billNo, session);
        if ('error' in found) return { outcome: 'retry', reason: `${billNo} exists; ${found.error}`, request, ...(found.sessionLost ? { afterMs: SESSION_LOST_RETRY_MS } : {}) };
        return finish(doc, billNo, found.status ?? 'A', session, request, verdict.body);
      }
      case 'session-lost':
        client.dropSession(session);
        return outcomeOf(verdict, request);
      default:
        return outcomeOf(verdict, request);
    }
  };

  return {
    idempotent: false,
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    async send(delivery) {
      const doc = documentOf(delivery);
      if ('outcome' in doc) return doc;
      const billNo = await billNoFor(delivery.idempotencyKey, doc.prefix, maxLength);
      const outcome = await save(delivery, doc, billNo);
      return outcome.outcome === 'delivered' ? { ...outcome, documentCode: billNo } : outcome;
    },

    async lookup(delivery) {
      const doc = documentOf(delivery);
      if ('outcome' in doc) throw new Error(doc.reason);
      const billNo = await billNoFor(delivery.idempotencyKey, doc.prefix, maxLength);
      const login = await client.session();
      if (!login.ok) throw new Error(login.reason);
      const found = await statusOf(doc, billNo, login.session);
      if ('error' in found) throw new Error(found.error);
      if (found.status === null) return 'absent';
      // Saved but not yet submitted or audited as configured: sending again finishes it (the
      // Save is refused as a duplicate, then Submit and Audit run from the bill's status).
      const done = steps.length === 0 || found.status === 'C' || (!steps.includes('audit') && found.status === 'B');
      return done ? 'exists' : 'absent';
    },
  };
}

/** The data of a Save: Kingdee's documented options, then the Model. */
function saveData(model: Record<string, unknown>, config: KingdeeConfig): Record<string, unknown> {
  return {
    NeedUpDateFields: [],
    NeedReturnFields: [],
    IsDeleteEntry: true,
    SubSystemId: '',
    IsVerifyBaseDataField: config.verifyBaseData ?? true,
    IsEntryBatchFill: true,
    ValidateFlag: true,
    NumberSearch: true,
    IsAutoAdjustField: false,
    InterationFlags: config.interationFlags ?? '',
    IgnoreInterationFlag: true,
    IsControlPrecision: false,
    ValidateRepeatJson: false,
    IsAutoSubmitAndAudit: config.autoSubmitAndAudit ?? false,
    Model: model,
  };
}

/** The Model with FBillNo right after FBillTypeID (Kingdee replays fields in order). */
export function withBillNo(model: Record<string, unknown>, billNo: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ('FBillTypeID' in model) out.FBillTypeID = model.FBillTypeID;
  out.FBillNo = billNo;
  for (const [key, value] of Object.entries(model)) if (key !== 'FBillTypeID' && key !== 'FBillNo') out[key] = value;
  return out;
}

function outcomeOf(verdict: Verdict, request: unknown, prefix = ''): SendOutcome {
  switch (verdict.kind) {
    case 'ok':
    case 'duplicate':
      return { outcome: 'delivered', request, response: verdict.body };
    case 'session-lost':
      return { outcome: 'retry', reason: prefix + verdict.reason, afterMs: SESSION_LOST_RETRY_MS, request, response: verdict.body };
    case 'retry':
      return { outcome: 'retry', reason: prefix + verdict.reason, request, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.body !== undefined ? { response: verdict.body } : {}) };
    case 'failed':
      return { outcome: 'failed', code: verdict.code, reason: prefix + verdict.reason, request, ...(verdict.body !== undefined ? { response: verdict.body } : {}) };
    case 'unknown':
      return { outcome: 'unknown', reason: prefix + verdict.reason, request };
  }
}
