import { describe, expect, it } from 'vitest';
import { compileMapping, MappingOutputError, MappingRuntimeError } from './index.ts';

/** Compiles a mapping to an untyped target so each test shows one operator alone. */
function run(output: string, input: unknown, head = ''): unknown {
  return compileMapping(`${head}target: any\noutput:\n${output}`, { file: 't.yaml' }).run(input);
}

function failure(output: string, input: unknown, head = ''): MappingRuntimeError {
  try {
    run(output, input, head);
  } catch (e) {
    if (e instanceof MappingRuntimeError) return e;
    throw e;
  }
  throw new Error('expected a MappingRuntimeError');
}

describe('values and paths', () => {
  it('reads nested paths, positions and wildcards; absent and null read as nothing', () => {
    const input = { a: { b: [{ c: 1 }, { c: 2 }, { d: 3 }] }, n: null };
    expect(run('  x: $.a.b[1].c\n  all: $.a.b[*].c\n  none: $.a.zz.c\n  n: $.n\n', input)).toEqual({ x: 2, all: [1, 2] });
  });

  it('reads odd keys, the root from inside each, and the position', () => {
    const input = { 'shop id': 'S1', items: [{ v: 'a' }, { v: 'b' }] };
    const output = '  shop: $["shop id"]\n  items:\n    each: $.items\n    map: "{{@root.[shop id]}}-{{v}}-{{@index}}"\n  idx: { each: $.items, map: $index }\n  roots: { each: $.items, map: "$root[\\"shop id\\"]" }\n';
    expect(run(output, input)).toEqual({ shop: 'S1', items: ['S1-a-0', 'S1-b-1'], idx: [0, 1], roots: ['S1', 'S1'] });
  });

  it('keeps literals, const and object keys literal', () => {
    expect(run('  a: CNY\n  b: 3\n  c: { const: "$5 off" }\n  d: { object: { if: x, sum: y } }\n', {})).toEqual({
      a: 'CNY',
      b: 3,
      c: '$5 off',
      d: { if: 'x', sum: 'y' },
    });
  });

  it('applies default to absent, null and empty values', () => {
    expect(run('  a: { value: $.a, default: x }\n  b: { value: $.b, default: x }\n  c: { value: $.c, default: x }\n  d: { value: $.d, default: x }\n', { b: null, c: '', d: 0 })).toEqual({
      a: 'x',
      b: 'x',
      c: 'x',
      d: 0,
    });
  });
});

describe('operators', () => {
  it('converts money by digits, in both directions', () => {
    const input = { p: '19.99', q: 0.29, f: 1999, s: '' };
    expect(run('  a: { money: $.p }\n  b: { money: $.q }\n  c: { money: $.f, unit: fen }\n  d: { money: $.f, unit: fen, to: yuan }\n  e: { money: $.s, default: 0 }\n', input)).toEqual({
      a: 1999,
      b: 29,
      c: 1999,
      d: '19.99',
      e: 0,
    });
  });

  it('converts Beijing, epoch and ISO times', () => {
    const input = { bj: '2024-05-01 10:00:00', s: 1714528800, ms: '1714528800000', iso: '2024-05-01T02:00:00Z' };
    const output = '  a: { time: $.bj }\n  b: { time: $.s, format: epoch-seconds }\n  c: { time: $.ms, format: epoch-millis }\n  d: { time: $.iso, format: iso, to: beijing }\n  e: { time: $.bj, to: epoch-seconds }\n';
    expect(run(output, input)).toEqual({
      a: '2024-05-01T10:00:00+08:00',
      b: '2024-05-01T10:00:00+08:00',
      c: '2024-05-01T10:00:00+08:00',
      d: '2024-05-01 10:00:00',
      e: 1714528800,
    });
  });

  it('looks values up, numbers by their digits', () => {
    const head = 'tables:\n  st: { 105: paid, "4": cancelled, X: null }\n';
    expect(run('  a: { lookup: $.a, table: st }\n  b: { lookup: $.b, table: st }\n  c: { lookup: $.c, table: { Y: yes } }\n  d: { lookup: $.d, table: st, default: other }\n', { a: 105, b: '4', c: 'Y', d: 'Q' }, head)).toEqual({
      a: 'paid',
      b: 'cancelled',
      c: 'yes',
      d: 'other',
    });
  });

  it('chooses with if, cond, comparisons and logic', () => {
    const output = `  a: { if: { eq: [$.n, "4"] }, then: four, else: other }
  b:
    cond:
      - when: { gt: [$.n, 10] }
        then: big
      - when: { in: $.s, values: [A, B] }
        then: listed
    else: none
  c: { and: [{ exists: $.s }, { not: $.missing }, { or: [false, { lte: [$.n, 4] }] }] }
  d: { ne: [$.s, A] }
`;
    expect(run(output, { n: 4, s: 'B' })).toEqual({ a: 'four', b: 'listed', c: true, d: true });
    expect(run(output, { n: 11, s: 'A' })).toEqual({ a: 'other', b: 'big', c: false, d: false });
  });

  it('maps lists with each, where, any and all; a lone object counts as a list of one', () => {
    const input = { items: [{ q: 1, r: 'Y' }, { q: 2, r: 'N' }, { q: 3, r: 'Y' }], one: { q: 9 } };
    const output = `  kept: { each: $.items, where: { eq: [$.r, Y] }, map: $.q }
  one: { each: $.one, map: $.q }
  any: { any: $.items, where: { gt: [$.q, 2] } }
  all: { all: $.items, where: { gt: [$.q, 2] } }
  empty: { all: $.none, where: true }
  total: { sum: "$.items[*].q" }
  count: { count: $.items }
`;
    expect(run(output, input)).toEqual({ kept: [1, 3], one: [9], any: true, all: false, empty: false, total: 6, count: 3 });
  });

  it('reads the enclosing item with $parent inside a nested where', () => {
    const input = { items: [{ sku: 'A' }, { sku: 'B' }], coupons: [{ sku: 'A', off: 1 }, { sku: 'B', off: 2 }, { sku: 'A', off: 4 }] };
    const output = '  off:\n    each: $.items\n    map: { sum: { each: $root.coupons, where: { eq: [$.sku, $parent.sku] }, map: $.off } }\n';
    expect(run(output, input)).toEqual({ off: [5, 2] });
  });

  it('reads the output built so far with $out', () => {
    const output = '  lines: { each: $.items, map: { amount: { money: $.p } } }\n  total: { sum: "$out.lines[*].amount" }\n';
    expect(run(output, { items: [{ p: '0.10' }, { p: '0.20' }] })).toEqual({ lines: [{ amount: 10 }, { amount: 20 }], total: 30 });
  });

  it('does integer arithmetic, first, strings and lists', () => {
    const output = `  a: { sub: [{ mul: [{ money: $.p }, { int: $.n }] }, { money: $.pay }] }
  b: { first: [$.x, $.y, $.z] }
  c: { concat: [$.prov, $.city, $.none, $.street], separator: " " }
  d: { mask: $.phone }
  e: { mask: $.name, keep: [1, 0] }
  f: { string: $.n }
  g: { upper: { trim: $.code } }
  h: [a, { if: false, then: b }, $.y]
  i: "{{upper code}}|{{mask phone 3 4}}|{{yuan fen}}|{{default none '-'}}{{#if y}}!{{else}}?{{/if}}{{#each list}}[{{this}}]{{/each}}"
`;
    const input = { p: '1.10', n: '3', pay: '3.00', y: '', z: 'zz', prov: '浙江省', city: '杭州市', street: '文三路', phone: '13812345678', name: '张三丰', code: ' ab ', fen: 150, list: [1, 2] };
    expect(run(output, input)).toEqual({
      a: 30,
      b: 'zz',
      c: '浙江省 杭州市 文三路',
      d: '138****5678',
      e: '张**',
      f: '3',
      g: 'AB',
      h: ['a', ''],
      i: ' AB |138****5678|1.50|-?[1][2]',
    });
  });

  it('divides integers rounding half away from zero, and names a division by zero', () => {
    const output = `  tax: { div: [{ mul: [$.paid, 13] }, 113] }
  half: { div: [5, 2] }
  minusHalf: { div: [-5, 2] }
  down: { div: [7, 3] }
  big: { div: [9007199254740991, 2] }
`;
    // 113 fen at 13 %: 13 fen of tax; 1 fen: 0.115… → 0; 5 fen: 0.575… → 1.
    expect([113, 1, 5, 123700].map((paid) => (run(output, { paid }) as { tax: number }).tax)).toEqual([13, 0, 1, 14231]);
    expect(run(output, { paid: 0 })).toMatchObject({ half: 3, minusHalf: -3, down: 2, big: 4503599627370496 });
    expect(() => run('  x: { div: [$.a, $.b] }\n', { a: 10, b: 0 })).toThrow(/division by zero/);
  });
});

describe('run-time errors', () => {
  it('name the rule, the output field with its index, and the source path', () => {
    const error = failure('  lines:\n    each: $.orders.order\n    map:\n      price: { money: $.price }\n', { orders: { order: [{ price: '1.00' }, { price: '12.3.4' }] } });
    expect(error.message).toBe('t.yaml:6:16: lines[1].price: "12.3.4" is not a decimal amount (expected digits like 19.99) (unit: yuan) (at $.orders.order[1].price)');
    expect(error.position).toEqual({ file: 't.yaml', line: 6, column: 16 });
    expect(error.target).toBe('lines[1].price');
    expect(error.sourcePath).toBe('$.orders.order[1].price');
  });

  it('name a value missing from a lookup table', () => {
    const error = failure('  s: { lookup: $.status, table: st }\n', { status: 'WEIRD' }, 'tables:\n  st: { A: paid }\n');
    expect(error.message).toBe('t.yaml:5:8: s: "WEIRD" is not in table st (add it to the table at line 2, or give the lookup a default) (at $.status)');
  });

  it('name a required canonical field the payload lacks', () => {
    const text = `output:
  channel: webhook
  externalId: $.id
  status: paid
  channelStatus: paid
  afterSale: none
  currency: CNY
  createdAt: { time: $.t }
  updatedAt: { time: $.t }
  buyer: {}
  lines: { each: $.items, map: { lineId: "1", sku: $.sku, title: t, quantity: 1, unitPrice: 1, discount: 0, amount: 1 } }
  amounts: { goods: 1, shipping: 0, discount: 0, paid: 1 }
  tags: []
  attributes: {}
`;
    const mapping = compileMapping(text, { file: 'o.yaml' });
    const input = { id: 'A1', t: '2024-05-01 10:00:00', items: [{ sku: 'S' }, {}] };
    expect(() => mapping.run(input)).toThrow('o.yaml:11:52: lines[1].sku: is required, but the source has no value (at $.items[1].sku)');
    expect(() => mapping.run({ ...input, items: [] })).toThrowError(MappingOutputError);
    try {
      mapping.run({ ...input, items: [] });
    } catch (e) {
      expect((e as MappingOutputError).problems).toEqual([{ path: '$.lines', message: 'must NOT have fewer than 1 items', position: { file: 'o.yaml', line: 11, column: 10 } }]);
    }
    expect((mapping.run(input.items[0] ? { ...input, items: [{ sku: 'S' }] } : input) as { lines: unknown[] }).lines).toHaveLength(1);
  });

  it('refuse arithmetic on anything but integers', () => {
    expect(failure('  a: { add: [$.x, 1] }\n', { x: '1.5' }).message).toBe(
      't.yaml:3:8: a: arithmetic works on integers (fen, counts); got "1.5" (at $.x)',
    );
  });
});

describe('edge and hostile input', () => {
  it('ignores inherited members and refuses prototype paths', () => {
    expect(run('  a: { exists: $.toString }\n  b: $.constructor2\n  meta: { constructor: $.x }\n', { x: 1 })).toEqual({ a: false, meta: { constructor: 1 } });
    expect(() => run('  a: "$[\\"__proto__\\"]"\n', {})).toThrow(/"__proto__" cannot be read/);
    expect(() => run('  a: "{{toString}}"\n', {})).not.toThrow();
    expect(run('  a: "{{toString}}-{{x}}"\n', { x: 'y' })).toEqual({ a: '-y' });
  });

  it('flattens very large nested lists without blowing the stack', () => {
    const input = { a: [{ b: Array.from({ length: 300_000 }, (_, i) => i % 3) }] };
    expect(run('  n: { count: "$.a[*].b[*]" }\n', input)).toEqual({ n: 300_000 });
  });

  it('refuses a sum past the safe integer range', () => {
    expect(failure('  s: { sum: $.a }\n', { a: [Number.MAX_SAFE_INTEGER, 1] }).message).toContain('the sum is too large');
  });

  it('names the output position of a where-filtered element, and the source that gave a default', () => {
    const error = failure('  lines:\n    each: $.items\n    where: $.keep\n    map: { p: { money: $.p } }\n', { items: [{ keep: false, p: 'x' }, { keep: true, p: '1' }, { keep: true, p: 'bad' }] });
    expect(error.target).toBe('lines[1].p');
    expect(error.sourcePath).toBe('$.items[2].p');
    expect(failure('  n: { int: { value: $.a, default: $.b } }\n', { b: 'x' }).sourcePath).toBe('$.b');
    expect(failure('  n: { int: { cond: [{ when: true, then: $.c }] } }\n', { c: 'x' }).sourcePath).toBe('$.c');
  });

  it('names a lone object walked as a list by its own path', () => {
    expect(failure('  l: { each: $.orders.order, map: { money: $.price } }\n', { orders: { order: { price: 'x' } } }).sourcePath).toBe('$.orders.order.price');
  });

  it('keeps table keys as written', () => {
    expect(run('  a: { lookup: $.code, table: { 01: one, 1.50: price } }\n  b: { lookup: $.p, table: { 01: one, 1.50: price } }\n', { code: '01', p: '1.50' }, '')).toEqual({ a: 'one', b: 'price' });
  });

  it('rejects a self-referencing alias instead of recursing forever', () => {
    expect(() => compileMapping('target: any\noutput: &a { x: *a }\n', { file: 't.yaml' })).toThrow(/nests more than 100 levels/);
  });

  it('does not hang on an output problem under an odd key', () => {
    const text = `output:
  channel: webhook
  externalId: x
  status: paid
  channelStatus: paid
  afterSale: none
  currency: CNY
  createdAt: { time: $.t, format: iso }
  updatedAt: { time: $.t, format: iso }
  buyer: $.buyer
  lines: [{ lineId: "1", sku: s, title: t, quantity: 1, unitPrice: 1, discount: 0, amount: 1 }]
  amounts: { goods: 1, shipping: 0, discount: 0, paid: 1 }
  tags: []
  attributes: {}
`;
    const mapping = compileMapping(text, { file: 'o.yaml' });
    expect(() => mapping.run({ t: '2024-05-01T02:00:00Z', buyer: { nick: 'a', 'x-y': 1 } })).toThrow('$.buyer["x-y"] is not a field of the canonical order');
  });
});
