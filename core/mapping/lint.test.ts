import { describe, expect, it } from 'vitest';
import { compileMapping, formatProblem, lintMapping, MappingLintError } from './index.ts';

/** The smallest mapping that fills every required canonical field; `extra` lines are appended under output. */
function mapping(extra = '', head = ''): string {
  return `${head}output:
  channel: webhook
  externalId: $.id
  status: paid
  channelStatus: $.state
  afterSale: none
  currency: CNY
  createdAt: { time: $.created }
  updatedAt: { time: $.created }
  buyer: {}
  lines:
    each: $.items
    map:
      lineId: { string: $index }
      sku: $.sku
      title: $.title
      quantity: { int: $.qty }
      unitPrice: { money: $.price }
      discount: 0
      amount: { money: $.price }
  amounts: { goods: 0, shipping: 0, discount: 0, paid: 0 }
  tags: []
  attributes: {}
${extra}`;
}

function errors(text: string, attributes = {}): string[] {
  return lintMapping(text, { file: 'm.yaml', attributes })
    .problems.filter((p) => p.severity === 'error')
    .map(formatProblem);
}

describe('the static check', () => {
  it('accepts a complete mapping', () => {
    expect(errors(mapping())).toEqual([]);
  });

  it('points at a status table value that is not a canonical status, with a suggestion', () => {
    const text = `tables:
  state:
    PAID: paid
    SENT: shiped
${mapping().replace('status: paid', 'status: { lookup: $.state, table: state }')}`;
    expect(errors(text)).toEqual([
      'm.yaml:4:11: error: status: "shiped" is not one of "pending_payment", "paid", "partially_shipped", "shipped", "completed", "cancelled" (did you mean "shipped"?)',
    ]);
  });

  it('names an unknown output field with the closest real one', () => {
    expect(errors(mapping('  shopID: $.shop\n'))).toEqual(['m.yaml:24:3: error: shopID is not a field of the target (did you mean "shopId"?)']);
  });

  it('names an unknown nested field and lists the real ones when nothing is close', () => {
    const text = mapping().replace('buyer: {}', 'buyer: { wechat: $.w }');
    expect(errors(text)).toEqual(['m.yaml:10:12: error: buyer.wechat is not a field of buyer; its fields are id, nick, message']);
  });

  it('reports required fields that are not mapped', () => {
    const text = mapping().replace('  currency: CNY\n', '').replace('      sku: $.sku\n', '');
    expect(errors(text)).toEqual([
      'm.yaml:2:3: error: currency is required by the target schema but not mapped (ISO 4217 code; CNY for every built-in channel)',
      'm.yaml:13:7: error: lines[].sku is required by the target schema but not mapped (The merchant\'s own code (outer sku id))',
    ]);
  });

  it('rejects a value of the wrong type for its field', () => {
    const text = mapping().replace('externalId: $.id', 'externalId: { money: $.id }');
    expect(errors(text)).toEqual(['m.yaml:3:15: error: externalId expects string, but this gives an integer: wrap it in string:']);
  });

  it('rejects unknown operator options with a suggestion', () => {
    const text = mapping().replace('createdAt: { time: $.created }', 'createdAt: { time: $.created, fromat: beijing }');
    expect(errors(text)).toEqual(['m.yaml:8:33: error: unknown option "fromat" for time: (did you mean "format"?)']);
  });

  it('rejects option values outside their set', () => {
    const text = mapping().replace('createdAt: { time: $.created }', 'createdAt: { time: $.created, format: unix }');
    expect(errors(text)).toEqual(['m.yaml:8:41: error: format: must be one of beijing, epoch-seconds, epoch-millis, iso, not "unix"']);
  });

  it('points inside a bad path at the offending character', () => {
    const text = mapping().replace('externalId: $.id', 'externalId: $.items[x]');
    expect(errors(text)).toEqual(['m.yaml:3:22: error: bad path "$.items[x]": expected [n], [*] or ["name"]']);
  });

  it('allows $out only for fields produced above, and $index only inside each', () => {
    const text = mapping().replace('  channel: webhook', '  channel: webhook\n  shopId: { string: "$out.lines[0].sku" }\n  buyer: {}').replace('  buyer: {}\n  lines', '  lines');
    expect(errors(text)).toEqual(['m.yaml:3:22: error: $out can only read top-level output fields produced above this one, and "lines" is not one of them']);
    expect(errors(mapping().replace('externalId: $.id', 'externalId: { string: $index }'))).toEqual([
      'm.yaml:3:25: error: $index only has a value inside each:, any:, all: or where:',
    ]);
  });

  it('reports template syntax errors and unknown helpers', () => {
    expect(errors(mapping().replace('title: $.title', 'title: "{{#if x}}open"'))[0]).toMatch(/^m\.yaml:16:\d+: error: template: /);
    expect(errors(mapping().replace('title: $.title', 'title: "{{shout title}}"'))).toEqual([
      'm.yaml:16:17: error: template: unknown helper "shout" (helpers: trim, upper, lower, yuan, default, mask)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = errors('output:\n  channel: [webhook\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^m\.yaml:\d+:\d+: error: YAML: /);
  });

  it('explains the YAML slip of a bracketed path inside a flow map', () => {
    expect(errors(mapping().replace('externalId: $.id', 'externalId: { string: $.ids[0] }'))).toEqual([
      'm.yaml:3:30: error: YAML: Unexpected flow-seq-start at node end: inside { } put quotes around a path that has [ ], like "$.list[0].x"',
    ]);
  });

  it('rejects an unknown table and an unknown top-level key', () => {
    const text = `tabels: {}\n${mapping().replace('status: paid', 'status: { lookup: $.state, table: states }')}`;
    expect(errors(text)).toEqual([
      'm.yaml:1:1: error: unknown top-level key "tabels" (did you mean "tables"?)',
      'm.yaml:5:37: error: no table named "states"',
    ]);
  });

  it('knows the attributes the merchant declared, with their types', () => {
    const declared = { referrer: { type: 'string' as const }, deposit: { type: 'money' as const } };
    const text = mapping().replace('attributes: {}', 'attributes:\n    referrer: $.ref\n    deposit: { money: $.deposit }\n    campaign: $.c');
    expect(errors(text, declared)).toEqual(['m.yaml:26:5: error: attributes.campaign is not a field of attributes; its fields are referrer, deposit; declare it with its type under attributes: in hub.yaml']);
    expect(errors(text.replace('deposit: { money: $.deposit }', 'deposit: { time: $.deposit }'), declared)[0]).toContain(
      'attributes.deposit expects integer, but this gives a string',
    );
  });

  it('warns about bare paths into money fields and unused tables', () => {
    const text = `tables:\n  unused: { A: b }\n${mapping().replace('discount: 0\n', 'discount: $.off\n')}`;
    const warnings = lintMapping(text, { file: 'm.yaml' }).problems.filter((p) => p.severity === 'warning').map(formatProblem);
    expect(warnings).toEqual([
      'm.yaml:2:3: warning: table unused is never used',
      'm.yaml:21:17: warning: lines[].discount is money in fen (an integer); this passes the source value through unchanged: use money: (unit: yuan or fen) to convert it',
    ]);
  });

  it('throws every error at once from compileMapping', () => {
    const text = mapping().replace('status: paid', 'status: done').replace('currency: CNY', 'currency: yuan');
    let thrown: unknown;
    try {
      compileMapping(text, { file: 'm.yaml' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(MappingLintError);
    expect((thrown as MappingLintError).problems.map((p) => p.position.line)).toEqual([4, 7]);
    expect((thrown as Error).message).toContain('m.yaml:7:13: error: currency: "yuan" does not match ^[A-Z]{3}$');
  });
});

describe('the static check on unions and empties', () => {
  it('checks literal defaults and candidates even beside a path', () => {
    expect(errors(mapping().replace('status: paid', 'status: { value: $.s, default: shiped }'))).toEqual([
      'm.yaml:4:34: error: status: "shiped" is not one of "pending_payment", "paid", "partially_shipped", "shipped", "completed", "cancelled" (did you mean "shipped"?)',
    ]);
    expect(errors(mapping().replace('status: paid', 'status: { first: [$.s, shiped] }'))).toHaveLength(1);
  });

  it('does not warn about money when one branch converts it', () => {
    const text = mapping().replace('discount: 0\n', 'discount: { if: $.x, then: { money: $.y } }\n');
    expect(lintMapping(text, { file: 'm.yaml' }).problems).toEqual([]);
  });

  it('rejects a required field mapped to nothing, and an empty output', () => {
    expect(errors(mapping().replace('currency: CNY', 'currency: ~'))).toEqual(['m.yaml:7:13: error: currency is required, but it is mapped to nothing']);
    expect(errors('output:\n')).toEqual(['m.yaml:1:8: error: output: is empty: give the fields of the target, each with how to fill it']);
  });

  it('allows @index only inside each', () => {
    expect(errors(mapping().replace('externalId: $.id', 'externalId: "{{@index}}"'))[0]).toContain('@index only has a value inside each');
    expect(errors(mapping().replace('title: $.title', 'title: "{{@index}}"'))).toEqual([]);
  });
});
