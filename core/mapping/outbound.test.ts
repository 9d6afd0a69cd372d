import { describe, expect, it } from 'vitest';
import { formatProblem, lintMapping, compileMapping, type JsonSchema } from './index.ts';

// A target's own schema: an ERP sale order that wants yuan and Beijing wall-clock time.
const saleOrder: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['FBillNo', 'FDate', 'FEntity'],
  properties: {
    FBillNo: { type: 'string' },
    FDate: { type: 'string' },
    FCustId: { type: 'object', properties: { FNumber: { type: 'string' } } },
    FEntity: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['FMaterialId', 'FQty', 'FTaxPrice'],
        properties: {
          FMaterialId: { type: 'object', properties: { FNumber: { type: 'string' } } },
          FQty: { type: 'integer' },
          FTaxPrice: { type: 'string', pattern: '^-?\\d+\\.\\d{2}$' },
        },
      },
    },
  },
};

const mapping = `source: canonical-order
target: sale-order
output:
  FBillNo: "{{channel}}-{{externalId}}"
  FDate: { time: $.createdAt, format: iso, to: beijing }
  FCustId: { FNumber: { lookup: $.channel, table: { tmall: CUST-TMALL, jd: CUST-JD } } }
  FEntity:
    each: $.lines
    map:
      FMaterialId: { FNumber: $.sku }
      FQty: $.quantity
      FTaxPrice: { money: $.unitPrice, unit: fen, to: yuan }
`;

describe('outbound mappings (canonical order → target payload)', () => {
  it('map the canonical order into the target shape, in yuan and Beijing time', () => {
    const compiled = compileMapping(mapping, { file: 'kingdee.yaml', schemas: { 'sale-order': saleOrder } });
    const order = { channel: 'tmall', externalId: 'T1', createdAt: '2024-05-01T02:00:00Z', lines: [{ sku: 'S1', quantity: 2, unitPrice: 1999 }] };
    expect(compiled.run(order)).toEqual({
      FBillNo: 'tmall-T1',
      FDate: '2024-05-01 10:00:00',
      FCustId: { FNumber: 'CUST-TMALL' },
      FEntity: [{ FMaterialId: { FNumber: 'S1' }, FQty: 2, FTaxPrice: '19.99' }],
    });
  });

  it('are checked against the target schema like channel mappings', () => {
    const broken = mapping.replace('FQty: $.quantity', 'FQty: { money: $.unitPrice, unit: fen, to: yuan }').replace('FDate:', 'FDtae:');
    const problems = lintMapping(broken, { file: 'kingdee.yaml', schemas: { 'sale-order': saleOrder } }).problems.map(formatProblem);
    expect(problems).toEqual([
      'kingdee.yaml:4:3: error: FDate is required by the target schema but not mapped',
      'kingdee.yaml:5:3: error: FDtae is not a field of the target (did you mean "FDate"?)',
      'kingdee.yaml:11:13: error: FEntity[].FQty expects integer, but this gives a string',
    ]);
  });

  it('name an unknown target', () => {
    expect(lintMapping(mapping, { file: 'kingdee.yaml' }).problems.map(formatProblem)).toEqual([
      'kingdee.yaml:2:9: error: unknown target "sale-order" (known: canonical-order, any)',
    ]);
  });
});
