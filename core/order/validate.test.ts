import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { generatedFiles } from '../../scripts/generate.ts';
import { validateOrder } from './validate.ts';
import type { CanonicalOrder } from './canonical-order.generated.ts';

const order: CanonicalOrder = {
  channel: 'webhook',
  externalId: 'A1',
  status: 'paid',
  channelStatus: 'paid',
  afterSale: 'none',
  currency: 'CNY',
  createdAt: '2024-05-01T10:00:00+08:00',
  updatedAt: '2024-05-01T10:00:00+08:00',
  buyer: {},
  lines: [{ lineId: '1', sku: 'S1', title: 'T', quantity: 1, unitPrice: 100, discount: 0, amount: 100 }],
  amounts: { goods: 100, shipping: 0, discount: 0, paid: 100 },
  tags: [],
  attributes: {},
};

describe('validateOrder', () => {
  it('accepts a canonical order', () => {
    expect(validateOrder(order)).toEqual({ ok: true, order });
  });

  it('reports every problem as a JSON path', () => {
    const bad = { ...order, status: 'shiped', lines: [{ ...order.lines[0], quantity: 0, unitPrice: 1.5 }], receiver: { name: 'x' } };
    const check = validateOrder(bad);
    expect(check.ok).toBe(false);
    const problems = check.ok ? [] : check.problems;
    expect(problems).toContainEqual({ path: '$.status', message: expect.stringContaining('"shipped"') });
    expect(problems).toContainEqual({ path: '$.lines[0].quantity', message: 'must be >= 1' });
    expect(problems).toContainEqual({ path: '$.lines[0].unitPrice', message: 'must be integer' });
    expect(problems).toContainEqual({ path: '$.receiver.phone', message: 'is required' });
  });

  it('checks attributes against the merchant declarations', () => {
    const withAttributes = { ...order, attributes: { referrer: 'kol-7', promisedAt: 'soon', extra: 1 } };
    const check = validateOrder(withAttributes, { referrer: { type: 'string' }, promisedAt: { type: 'date-time' } });
    expect(check.ok ? [] : check.problems).toEqual([
      { path: '$.attributes.promisedAt', message: 'must be an ISO-8601 time with offset' },
      { path: '$.attributes.extra', message: 'is not a declared attribute (declare it under attributes in hub.yaml)' },
    ]);
  });

  it('keeps the generated type and validator in step with the schema', async () => {
    for (const [file, content] of Object.entries(await generatedFiles())) {
      expect(await readFile(new URL(`../../${file}`, import.meta.url), 'utf8'), `${file} is stale: run npm run generate`).toBe(content);
    }
  });
});
