import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import mappingSchema from '../../core/mapping/mapping.schema.json' with { type: 'json' };
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { parseConfig } from '../../runtime/config.ts';
import { testMapping } from '../../runtime/mapping-test.ts';
import { lintMappingFile } from '../../runtime/mappings.ts';
import schema from './delivery-order.schema.json' with { type: 'json' };
import { shipmentInput, ShipmentError } from './shipment.ts';

const here = (file: string) => new URL(file, import.meta.url);
const FILE = here('./delivery-order.yaml').pathname;
const CASES = here('./delivery-order.cases/').pathname;

describe('delivery-order.yaml', () => {
  it('passes the static check against delivery-order.schema.json with no error or warning', async () => {
    expect(await lintMappingFile(FILE)).toEqual([]);
  });

  it('fits the mapping file schema editors use', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(mappingSchema);
    expect(validate(parseYaml(readFileSync(FILE, 'utf8'))), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('passes its cases (two refused), exercising every rule', async () => {
    const report = await testMapping(FILE, parseConfig('{}', 'hub.yaml'));
    expect(report.compileError).toBeUndefined();
    expect(report.cases.filter((c) => !c.ok)).toEqual([]);
    expect(report.cases.map((c) => c.name)).toEqual(['01-tmall-one-shipment', '02-douyin-second-shipment-presale', '03-no-receiver', '04-unknown-location', '05-unlisted-channel-no-carrier']);
    expect(report.unexercisedRules).toEqual([]);
  });

  it('produces bodies that fit the Qimen schema in full (lengths, patterns, enums)', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const expected = readdirSync(CASES).filter((n) => n.endsWith('.expected.json'));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const name of expected) {
      const ok = validate(JSON.parse(readFileSync(CASES + name, 'utf8')));
      expect(validate.errors ?? [], `${name}: ${JSON.stringify(validate.errors)}`).toEqual([]);
      expect(ok).toBe(true);
    }
  });
});

const order = JSON.parse(readFileSync(here('./delivery-order.cases/02-douyin-second-shipment-presale.input.json'), 'utf8')).order as CanonicalOrder;
const delivery = (payload: Record<string, unknown>, o: Delivery['order'] = order): Delivery => ({
  tenant: 't1',
  id: 'dlv_1',
  target: 'qimen',
  kind: 'wms.delivery_order',
  idempotencyKey: 'wms.delivery_order/douyin/6921234567890123456/1',
  orderId: 'ord_1',
  payload,
  ...(o ? { order: o } : {}),
  attempts: 0,
  createdAt: '2024-06-18T01:00:00.000Z',
});

describe('the shipment a delivery order is for', () => {
  it('joins the planned lines with the order lines: per-piece prices, and amounts that add up to what was paid', () => {
    const input = shipmentInput(delivery({ shipment: 1, location: 'wh-gz', carrier: 'sf', lines: [{ lineId: '6921234567890123457', sku: 'TEA-ML-250', quantity: 3 }] }));
    expect(input.shipment).toEqual({
      index: 1,
      location: 'wh-gz',
      carrier: 'sf',
      createdAt: '2024-06-18T01:00:00.000Z',
      lines: [{ lineId: '6921234567890123457', sku: 'TEA-ML-250', title: '茉莉花茶 250g <礼盒装>', channelSkuId: '1790000000001', quantity: 3, unitPrice: 6800, unitPaid: 6467, unitDiscount: 333, paid: 19400 }],
      // The whole line: exactly its amount (19400), though 3 × 64.67 would be 194.01. Shipping on the first shipment.
      amounts: { goods: 20400, discount: 1000, shipping: 800, total: 20200 },
    });
  });

  it('ships every line from payload.location when the delivery was queued per order', () => {
    const input = shipmentInput(delivery({ location: 'wh-sh' }));
    expect(input.shipment.lines.map((l) => [l.lineId, l.quantity])).toEqual([
      ['6921234567890123457', 3],
      ['6921234567890123458', 2],
      ['6921234567890123459', 1],
    ]);
    expect(input.shipment.amounts).toEqual({ goods: 25400, discount: 1000, shipping: 800, total: 25200 });
    expect(input.shipment.amounts.total).toBe(order.amounts.paid);
  });

  it('finds lines added after the order came (extraLines), and refuses lines that are not the order\'s', () => {
    const extra: Delivery['order'] = { ...order, extraLines: [{ lineId: 'gift-1', sku: 'GIFT-CARD', title: '贺卡', quantity: 1, unitPrice: 0, discount: 0, amount: 0, gift: true }] };
    expect(shipmentInput(delivery({ lines: [{ lineId: 'gift-1', quantity: 1 }] }, extra)).shipment.lines[0]).toMatchObject({ sku: 'GIFT-CARD', gift: true });
    expect(() => shipmentInput(delivery({ lines: [{ lineId: 'nope', quantity: 1 }] }))).toThrow(ShipmentError);
    expect(() => shipmentInput(delivery({ lines: [{ lineId: '6921234567890123457', quantity: 0 }] }))).toThrow('quantity 0');
    const { order: _none, ...withoutOrder } = delivery({});
    expect(() => shipmentInput(withoutOrder)).toThrow('carries no order');
  });
});
