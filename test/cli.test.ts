import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../runtime/cli/main.ts';

async function hub(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'hub', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = mkdtempSync(join(tmpdir(), 'hub-cli-'));
const MINIMAL = `target: canonical-order
output:
  channel: webhook
  externalId: $.id
  status: paid
  channelStatus: paid
  afterSale: none
  currency: CNY
  createdAt: { time: $.at }
  updatedAt: { time: $.at }
  buyer: {}
  lines:
    each: $.items
    map: { lineId: "1", sku: $.sku, title: $.sku, quantity: 1, unitPrice: { money: $.price }, discount: 0, amount: { money: $.price } }
  amounts: { goods: 0, shipping: 0, discount: 0, paid: 0 }
  tags: []
  attributes: {}
`;

describe('hub mapping lint', () => {
  it('exits 1 and prints every error at file:line:column', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, MINIMAL.replace('status: paid', 'status: payed').replace('  tags: []\n', ''));
    const result = await hub('mapping', 'lint', file);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${file}:3:3: error: tags is required by the target schema but not mapped`);
    expect(result.err).toContain(`${file}:5:11: error: status: "payed" is not one of`);
    expect(result.err).toContain('2 error(s)');
  });

  it('passes a good mapping', async () => {
    const file = join(tmp, 'good.yaml');
    writeFileSync(file, MINIMAL);
    expect(await hub('mapping', 'lint', file)).toEqual({ code: 0, out: `✓ ${file}`, err: '' });
  });
});

describe('hub mapping run', () => {
  it('prints the canonical order of a built-in channel', async () => {
    const result = await hub('mapping', 'run', '--channel', 'tmall', 'mappings/tmall.cases/01-two-lines-discount-shipping.input.json');
    expect(result.code).toBe(0);
    const order = JSON.parse(result.out);
    expect(order.externalId).toBe('2938475610293847561');
    expect(order.amounts).toEqual({ goods: 15790, shipping: 1000, paid: 14790, discount: 2000 });
  });

  it('says where a payload is malformed', async () => {
    const file = join(tmp, 'broken.json');
    writeFileSync(file, '{"id": "A1",\n "items": [}');
    const result = await hub('mapping', 'run', join(tmp, 'good.yaml'), file);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^malformed JSON at line 2, column 12: /);
  });

  it('names the rule and the source path a payload fails', async () => {
    const file = join(tmp, 'price.json');
    writeFileSync(file, JSON.stringify({ id: 'A1', at: '2024-05-01 10:00:00', items: [{ sku: 'S', price: 'free' }] }));
    const result = await hub('mapping', 'run', join(tmp, 'good.yaml'), file);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`${join(tmp, 'good.yaml')}:14:77: lines[0].unitPrice: "free" is not a decimal amount (expected digits like 19.99) (unit: yuan) (at $.items[0].price)`);
  });
});

describe('hub mapping test', () => {
  it('prints a diff for a wrong case, coverage, and exits 1', async () => {
    const dir = join(tmp, 'suite');
    mkdirSync(join(dir, 'shop.cases'), { recursive: true });
    writeFileSync(join(dir, 'shop.yaml'), MINIMAL.replace('status: paid', 'status: { if: $.cancelled, then: cancelled, else: paid }'));
    writeFileSync(join(dir, 'shop.cases', 'one.input.json'), JSON.stringify({ id: 'A1', at: '2024-05-01 10:00:00', note: 'x', items: [{ sku: 'S', price: '1.00' }] }));
    const expected = { channel: 'webhook', externalId: 'A1', status: 'paid', channelStatus: 'paid', afterSale: 'none', currency: 'CNY', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00', buyer: {}, lines: [{ lineId: '1', sku: 'S', title: 'S', quantity: 1, unitPrice: 100, discount: 0, amount: 100 }], amounts: { goods: 0, shipping: 0, discount: 0, paid: 0 }, tags: [], attributes: {} };
    writeFileSync(join(dir, 'shop.cases', 'one.expected.json'), JSON.stringify({ ...expected, externalId: 'A2' }));
    const result = await hub('mapping', 'test', dir);
    expect(result.code).toBe(1);
    expect(result.err).toContain('✗ one');
    expect(result.err).toContain('-  "externalId": "A2",');
    expect(result.err).toContain('+  "externalId": "A1",');
    expect(result.err).toMatch(/rules no case exercised \(1\):\n\s+\S*shop\.yaml:5:36 then of if for status\n/);
    expect(result.err).toContain('source fields in the cases that no rule reads (1):\n    note');
    expect(result.out).toContain('mapping cases: 0 passed, 1 failed');

    writeFileSync(join(dir, 'shop.cases', 'one.expected.json'), JSON.stringify(expected));
    const fixed = await hub('mapping', 'test', dir);
    expect(fixed.code).toBe(0);
    expect(fixed.out).toContain('mapping cases: 1 passed, 0 failed');
  });
});

describe('hub', () => {
  it('has --help for every subcommand', async () => {
    for (const args of [[], ['mapping'], ['mapping', 'lint'], ['mapping', 'run'], ['mapping', 'test'], ['demo'], ['ingest'], ['stock'], ['stock', 'count'], ['stock', 'reconcile'], ['replay'], ['replay', 'quarantine'], ['keys', 'create']]) {
      const result = await hub(...args, '--help');
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.out, args.join(' ')).toMatch(/^Usage: hub/);
    }
  });

  it('runs from its bin script', () => {
    const out = execFileSync(process.execPath, ['bin/hub.js', 'mapping', 'lint', 'mappings/tmall.yaml'], { encoding: 'utf8' });
    expect(out.trim()).toBe('✓ mappings/tmall.yaml');
  });

  it('maps the sample order of every channel in the demo', async () => {
    const result = await hub('demo');
    expect(result.code).toBe(0);
    for (const channel of ['tmall', 'jd', 'youzan', 'pos', 'webhook']) expect(result.out).toContain(`\n${channel} `);
    const [, orders, reservations, deliveries, quarantined] = /(\d+) orders, (\d+) line reservations, \d+ shortfalls, (\d+) deliveries queued, \d+ channel stock updates, (\d+) payloads quarantined/.exec(result.out) ?? [];
    expect(Number(orders)).toBeGreaterThan(40);
    expect(Number(reservations)).toBeGreaterThan(20);
    expect(Number(deliveries)).toBeGreaterThan(40);
    expect(Number(quarantined)).toBeGreaterThan(10);
  });
});

describe('the README walkthrough', () => {
  it('its example mapping passes its cases', async () => {
    const result = await hub('mapping', 'test', 'examples');
    expect(result.code).toBe(0);
    expect(result.out).toContain('mapping cases: 2 passed, 0 failed');
  });

  it('hub.example.yaml declares attributes a mapping can fill', async () => {
    const file = join(tmp, 'attrs.yaml');
    writeFileSync(file, MINIMAL.replace('attributes: {}', 'attributes:\n    referrer: $.ref\n    depositPaid: { money: $.deposit }'));
    expect((await hub('--config', 'hub.example.yaml', 'mapping', 'lint', file)).code).toBe(0);
    const undeclared = await hub('mapping', 'lint', file);
    expect(undeclared.code).toBe(1);
    expect(undeclared.err).toContain('attributes.referrer is not a field of attributes; it has no fields; declare it with its type under attributes: in hub.yaml');
  });
});

describe('hub.yaml', () => {
  it('refuses a bad attribute declaration, saying where', async () => {
    const config = join(tmp, 'hub.yaml');
    writeFileSync(config, 'attributes:\n  referrer: { type: text }\n  ok: { type: string }\n');
    const result = await hub('--config', config, 'mapping', 'lint', 'mappings/tmall.yaml');
    expect(result.code).toBe(1);
    expect(result.err).toBe(`configuration problems:\n  ${config}:2:21: attributes.referrer.type: must be one of "string", "integer", "number", "boolean", "money", "date-time"`);
  });

  it('points at unknown keys and bad values in every section', async () => {
    const config = join(tmp, 'hub-sections.yaml');
    writeFileSync(config, 'stock:\n  shortfal: hold\ndeliveries:\n  - kind: erp.sale_order\n    target: kingdee\n    on: sent\nrouting:\n  locations: []\n');
    const result = await hub('--config', config, 'mapping', 'lint', 'mappings/tmall.yaml');
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${config}:2:3: stock: unknown key "shortfal"`);
    expect(result.err).toContain(`${config}:6:9: deliveries.0.on: must be one of "released", "cancelled", "held", "shortfall", "updated", "refunded", "shipped", "delivered"`);
    expect(result.err).toContain(`${config}:8:3: routing: missing rules`);
  });

  it('refuses a hub.yaml named on the command line that does not exist', async () => {
    const result = await hub('--config', join(tmp, 'missing.yaml'), 'mapping', 'lint', 'mappings/tmall.yaml');
    expect(result.code).toBe(1);
    expect(result.err).toContain('missing.yaml: cannot read');
  });
});

describe('hub ingest, stock count and reconcile', () => {
  it('runs payload files through the pipeline into a database, counts stock and checks it', async () => {
    const db = `file:${join(tmp, 'cli.db')}`;
    const args = ['--config', 'test/support/hub.test.yaml'];
    const count = join(tmp, 'count.csv');
    writeFileSync(count, 'sku,location,on_hand,safety\nSP-1001-BLK-XL,wh-sh,10,1\nSP-2002-WHT,wh-sh,5,0\nGIFT-KEYCHAIN,wh-sh,3,0\n');
    const counted = await hub(...args, 'stock', 'count', count, '--db', db, '--tenant', 'shop');
    expect(counted.code).toBe(0);
    expect(JSON.parse(counted.out).applied).toHaveLength(3);

    const ingested = await hub(...args, 'ingest', '--channel', 'webhook', '--tenant', 'shop', '--db', db, 'mappings/webhook.cases/01-paid-two-lines-discount-shipping.input.json', 'mappings/webhook.cases/07-unknown-status.input.json');
    expect(ingested.code).toBe(1);
    const [first, second] = ingested.out.split('\n').map((l) => JSON.parse(l));
    expect(first.orders).toEqual([{ orderId: expect.stringMatching(/^ord_/), externalId: 'WEB-10001', outcome: 'created', status: 'paid' }]);
    expect(second.quarantined[0].kind).toBe('mapping');

    // Replayed through the same mapping, it is quarantined again, and the command says why.
    const replayed = await hub(...args, 'replay', 'quarantine', '--channel', 'webhook', '--tenant', 'shop', '--db', db);
    expect(replayed.code).toBe(1);
    expect(replayed.err).toMatch(new RegExp(`^${second.inboxId}: still quarantined: .*status`));
    expect(replayed.out).toBe('1 payload(s) replayed');
    expect((await hub(...args, 'replay', 'quarantine', '--db', db)).err).toBe('say which: --id or --channel');

    const report = await hub(...args, 'stock', 'reconcile', '--db', db, '--tenant', 'shop');
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out)).toEqual({ drift: [], leaks: [], repaired: false });

    const bad = join(tmp, 'bad-count.csv');
    writeFileSync(bad, 'sku,location,on_hand\nSP-1001-BLK-XL,wh-sh,ten\n');
    expect(await hub(...args, 'stock', 'count', bad, '--db', db)).toEqual({ code: 1, out: '', err: `${bad}:2: on_hand must be a whole number >= 0, got "ten"` });
  });
});

describe('hub sign and hub verify', () => {
  it('prints the Standard Webhooks reference signature and what was signed', async () => {
    const result = await hub('sign', 'standard-webhooks', '--secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '--json', JSON.stringify({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', payload: '{"test": 2432232314}' }));
    expect(JSON.parse(result.out)).toEqual({ sign: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', signed: 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' });
  });

  it('reproduces the SendSms example of Aliyun\'s signature docs', async () => {
    const params = {
      HTTPMethod: 'GET', AccessKeyId: 'testId', Action: 'SendSms', Format: 'XML', OutId: '123', PhoneNumbers: '15300000001', RegionId: 'cn-hangzhou', SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1', SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466', SignatureVersion: '1.0', TemplateCode: 'SMS_71390007', TemplateParam: '{"customer":"test"}', Timestamp: '2017-07-12T02:42:19Z', Version: '2017-05-25',
    };
    const result = await hub('sign', 'aliyun-rpc', '--secret', 'testSecret', '--json', JSON.stringify(params));
    expect(JSON.parse(result.out).sign).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('refuses an unknown scheme and bad JSON, and verifies a push', async () => {
    expect(await hub('sign', 'nope', '--secret', 's', '--json', '{}')).toMatchObject({ code: 2, err: expect.stringContaining('unknown scheme "nope"') });
    expect(await hub('sign', 'dingtalk', '--secret', 's', '--json', '{oops')).toMatchObject({ code: 2, err: expect.stringContaining('--json is not JSON') });
    const body = join(tmp, 'push.json');
    writeFileSync(body, '{"test": 2432232314}');
    const headers = JSON.stringify({ 'Webhook-Id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'Webhook-Timestamp': '1614265330', 'Webhook-Signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
    expect(await hub('verify', 'standard-webhooks', '--secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '--headers', headers, '--body', body, '--now', '1614265330')).toEqual({ code: 0, out: '{"ok":true}', err: '' });
    expect((await hub('verify', 'standard-webhooks', '--secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '--headers', headers, '--body', body, '--now', '1614299999')).code).toBe(1);
  });
});

describe('hub sign for carriers', () => {
  it('reproduces SF\'s published msgDigest example and keeps the check word off the screen', async () => {
    const result = await hub('sign', 'sf', '--secret', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci', '--json', JSON.stringify({ msgData: '{"language":"zh-CN","orderId":"QIAO-20200618-004"}', timestamp: '12312334453453' }));
    expect(JSON.parse(result.out)).toEqual({ sign: 'IIKJtuLVzoFTu4kHI8M8vA==', signed: '%7B%22language%22%3A%22zh-CN%22%2C%22orderId%22%3A%22QIAO-20200618-004%22%7D12312334453453<secret>' });
  });
});

describe('hub sign for ERPs', () => {
  it('signs a Yonyou token request as corp-demo SignHelper.java does', async () => {
    const result = await hub('sign', 'yonyou', '--secret', '7f3e2d1c0b9a8f7e6d5c4b3a29180716', '--json', JSON.stringify({ appKey: '41c1a5d1', timestamp: '1714528800000' }));
    const signed = 'appKey41c1a5d1timestamp1714528800000';
    expect(JSON.parse(result.out)).toEqual({ sign: createHmac('sha256', '7f3e2d1c0b9a8f7e6d5c4b3a29180716').update(signed).digest('base64'), signed });
  });
});

describe('hub sign for channels', () => {
  it('reproduces TOP\'s documented example (open.taobao.com docId=101617)', async () => {
    const params = { method: 'taobao.item.seller.get', timestamp: '2016-01-01 12:00:00', app_key: '12345678', v: '2.0', sign_method: 'md5', session: 'test', format: 'json', fields: 'num_iid,title,nick,price,num', num_iid: '11223344' };
    const result = await hub('sign', 'top', '--secret', 'helloworld', '--json', JSON.stringify(params));
    expect(JSON.parse(result.out).sign).toBe('66987CB115214E59E6EC978214934FB8');
    expect(result.out).not.toContain('helloworld');
  });

  it('signs JOS requests the way JD\'s SDK does', async () => {
    const result = await hub('sign', 'jd', '--secret', 'sec', '--json', JSON.stringify({ method: 'jingdong.pop.order.search', app_key: 'k', access_token: 't', timestamp: '2024-05-01 10:00:00', v: '2.0', '360buy_param_json': '{"page":"1"}' }));
    const { createHash } = await import('node:crypto');
    const expected = createHash('md5').update('sec360buy_param_json{"page":"1"}access_tokentapp_keykmethodjingdong.pop.order.searchtimestamp2024-05-01 10:00:00v2.0sec').digest('hex').toUpperCase();
    expect(JSON.parse(result.out).sign).toBe(expected);
  });
});

describe('hub sign for pushes', () => {
  it('reproduces the Youzan push vector published with cuncle/YouzanyunPush', async () => {
    const result = await hub('sign', 'youzan-push', '--secret', '2', '--json', JSON.stringify({ client_id: '1', body: '{"test":1}' }));
    expect(JSON.parse(result.out)).toEqual({ sign: '4a553ae0b22d6ab013ec53ee291d688b', signed: '1{"test":1}<secret>' });
  });
});
