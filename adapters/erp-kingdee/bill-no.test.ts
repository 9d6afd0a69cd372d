import { describe, expect, it } from 'vitest';
import { billNoFor, checkBillNoFormat } from './bill-no.ts';

describe('bill numbers from idempotency keys', () => {
  it('are readable when they fit', async () => {
    expect(await billNoFor('erp.sale_order/tmall/2938475610293847561', 'SO-')).toBe('SO-tmall-2938475610293847561');
    expect(await billNoFor('erp.receivable/jd/301234567890', 'AR-')).toBe('AR-jd-301234567890');
  });

  it('are a digest of the whole key when too long or not plain, deterministic and within the limit', async () => {
    const key = 'erp.sale_order/youzan/E20240520101532012345678';
    const a = await billNoFor(key, 'SO-');
    expect(a).toMatch(/^SO-youzan-[A-Z2-7]{20}$/);
    expect(a).toHaveLength(30);
    expect(await billNoFor(key, 'SO-')).toBe(a);
    expect(await billNoFor('erp.sale_order/youzan/E20240520101532012345679', 'SO-')).not.toBe(a);
    expect(await billNoFor('erp.sale_order/pos/徐家汇-0001', 'SO-')).toMatch(/^SO-pos-[A-Z2-7]{23}$/);
    expect(await billNoFor('erp.sale_order/tmall/2938475610293847561', 'SO-', 20)).toMatch(/^SO-tmall-[A-Z2-7]{11}$|^SO-[A-Z2-7]{17}$/);
    expect((await billNoFor('erp.sale_order/tmall/2938475610293847561', 'SO-', 20)).length).toBe(20);
  });

  it('refuse a prefix that leaves no room', () => {
    expect(() => checkBillNoFormat('SO-', 12)).toThrow(/fewer than 12 of 12/);
    expect(() => checkBillNoFormat("S'O", 30)).toThrow(/only A-Z/);
  });
});
