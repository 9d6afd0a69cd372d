import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher, listDeadLetters, markDelivered, replayDeadLetters, type Adapter, type Delivery, type SendOutcome } from '../core/outbox/index.ts';
import { insertRows, type Store } from '../core/store/port.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

let store: Store;
let clock: number;
const now = () => new Date(clock);

/** A stand-in target: records what it receives, answers from a script. */
function target(answers: Array<SendOutcome | Error> = [], extra: Partial<Adapter> = {}) {
  const received: Array<{ key: string; at: number }> = [];
  const adapter: Adapter = {
    async send(delivery: Delivery) {
      received.push({ key: delivery.idempotencyKey, at: Date.now() });
      const answer = answers.shift() ?? { outcome: 'delivered' };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    ...extra,
  };
  return { adapter, received };
}

async function queue(rows: Array<{ key: string; target?: string; after?: string; kind?: string }>): Promise<void> {
  const at = new Date(clock).toISOString();
  await store.batch(
    insertRows(
      'outbox',
      ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'after_key', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'],
      rows.map((r, i) => ['t1', `dlv_${String(i).padStart(4, '0')}_${r.key}`, r.target ?? 'erp', r.kind ?? 'erp.sale_order', r.key, null, r.after ?? null, '{"phone":"13812345678"}', 'pending', 0, at, at, at]),
    ),
  );
}

const statusOf = async (key: string) => (await store.query('SELECT status, attempts, last_error, next_attempt_at FROM outbox WHERE tenant = ? AND idempotency_key = ?', ['t1', key]))[0];

beforeEach(async () => {
  store = await openLibsqlStore({ url: ':memory:' });
  clock = Date.parse('2024-05-01T10:00:00Z');
});
afterEach(async () => store.close());

describe('the dispatcher', () => {
  it('delivers due rows and keeps every attempt, with personal data masked', async () => {
    const erp = target([{ outcome: 'delivered', request: { mobile: '13812345678', name: '张三' }, response: { ok: true } }]);
    await queue([{ key: 'A' }]);
    const report = await new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now }).runOnce();
    expect(report).toEqual({ claimed: 1, delivered: 1, retried: 0, dead: 0, unknown: 0 });
    expect(await statusOf('A')).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
    expect(await store.query('SELECT outcome, request, response FROM delivery_attempts WHERE tenant = ?', ['t1'])).toEqual([
      { outcome: 'delivered', request: '{"mobile":"138****5678","name":"张***"}', response: '{"ok":true}' },
    ]);
  });

  it('keeps running after a failed round (a busy database), and reports the failure', async () => {
    const erp = target();
    await queue([{ key: 'A' }]);
    const realWrite = store.writeTransaction.bind(store);
    let writes = 0;
    store.writeTransaction = ((work: never) => (++writes === 1 ? Promise.reject(new Error('SQLITE_BUSY: database is locked')) : realWrite(work))) as Store['writeTransaction'];
    const errors: string[] = [];
    const dispatcher = new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], onError: (e) => errors.push((e as Error).message) });
    dispatcher.start(5, 1);
    for (let i = 0; i < 200 && (await statusOf('A'))?.status !== 'delivered'; i++) await new Promise((r) => setTimeout(r, 10));
    await dispatcher.stop();
    expect(errors).toEqual(['SQLITE_BUSY: database is locked']);
    expect(await statusOf('A')).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('claims of a slow target only what its limit lets out soon, so it holds back no other target', async () => {
    const erp = target();
    const robot = target([], { limits: { calls: 20, perMs: 60_000 } });
    await queue([...Array.from({ length: 6 }, (_, i) => ({ key: `notify/${i}`, target: 'robot', kind: 'notify.order' })), ...Array.from({ length: 6 }, (_, i) => ({ key: `sale/${i}` }))]);
    const dispatcher = new Dispatcher(store, { erp: erp.adapter, robot: robot.adapter }, { tenants: ['t1'], now });
    const report = await dispatcher.runOnce();
    // 20 a minute lets one out per round of a second: the ERP's six are not kept waiting behind five more.
    expect(report).toMatchObject({ claimed: 7, delivered: 7 });
    expect(erp.received).toHaveLength(6);
    expect(robot.received.map((r) => r.key)).toEqual(['notify/0']);
    expect(await store.query("SELECT count(*) AS n FROM outbox WHERE target = 'robot' AND status = 'pending' AND lease_owner IS NULL")).toEqual([{ n: 5 }]);
  });

  it('tells a bot about each delivery that becomes a dead letter, once per death, never about its own', async () => {
    const erp = target([{ outcome: 'failed', reason: '500002: 物料编码不存在 13812345678' }, { outcome: 'failed', reason: '500002: 物料编码不存在' }]);
    const robot = target([{ outcome: 'failed', reason: '310000: keywords not in content' }]);
    await queue([{ key: 'sale/1' }]);
    const dispatcher = new Dispatcher(store, { erp: erp.adapter, robot: robot.adapter }, { tenants: ['t1'], now, deadLetterNotice: { target: 'robot' } });
    await dispatcher.runOnce();
    const notices = async () => store.query("SELECT target, idempotency_key, payload, status FROM outbox WHERE kind = 'notify.dead_letter' ORDER BY created_at, idempotency_key");
    expect(await notices()).toEqual([
      { target: 'robot', idempotency_key: expect.stringMatching(/^notify\.dead_letter\/sale\/1\/dlv_/), payload: JSON.stringify({ deliveryId: 'dlv_0000_sale/1', target: 'erp', kind: 'erp.sale_order', attempts: 1, error: '500002: 物料编码不存在 138****5678' }), status: 'pending' },
    ]);
    // The notice itself dies (the robot refuses it): no notice about the notice.
    await dispatcher.runOnce();
    expect((await notices()).map((n) => n.status)).toEqual(['dead']);
    // Replayed and dead again: told again.
    expect(await replayDeadLetters(store, 't1', { target: 'erp' }, now())).toBe(1);
    await dispatcher.runOnce();
    expect((await notices()).map((n) => [n.status, JSON.parse(String(n.payload)).error])).toEqual([
      ['dead', '500002: 物料编码不存在 138****5678'],
      ['pending', '500002: 物料编码不存在'],
    ]);
  });

  it('keeps the order of effects: a receivable waits for its sale order', async () => {
    const erp = target();
    await queue([{ key: 'receivable/1', after: 'sale/1', kind: 'erp.receivable' }, { key: 'sale/1' }]);
    const dispatcher = new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now });
    await dispatcher.runOnce();
    expect(erp.received.map((r) => r.key)).toEqual(['sale/1']);
    await dispatcher.runOnce();
    expect(erp.received.map((r) => r.key)).toEqual(['sale/1', 'receivable/1']);
  });

  it('retries with backoff, honouring the target\'s hint, then gives up into the dead letters, and replays', async () => {
    const erp = target([{ outcome: 'retry', reason: '503', afterMs: 30_000 }, { outcome: 'retry', reason: '503' }, { outcome: 'retry', reason: 'system busy' }]);
    await queue([{ key: 'A' }]);
    const dispatcher = new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now, random: () => 0.5, maxAttempts: 3, backoff: { baseMs: 1000, capMs: 60_000 } });
    await dispatcher.runOnce();
    // The hint (30 s) beats the jittered backoff (0.5 × 2 s).
    expect(await statusOf('A')).toMatchObject({ status: 'pending', attempts: 1, last_error: '503', next_attempt_at: '2024-05-01T10:00:30.000Z' });
    expect((await dispatcher.runOnce()).claimed).toBe(0);
    clock += 30_000;
    await dispatcher.runOnce();
    expect(await statusOf('A')).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: '2024-05-01T10:00:32.000Z' });
    clock += 2_000;
    await dispatcher.runOnce();
    expect(await statusOf('A')).toMatchObject({ status: 'dead', attempts: 3, last_error: 'gave up after 3 attempts: system busy' });
    expect((await listDeadLetters(store, 't1', { target: 'erp' })).map((r) => r.idempotency_key)).toEqual(['A']);
    expect(await replayDeadLetters(store, 't1', { target: 'erp' }, now())).toBe(1);
    await dispatcher.runOnce();
    expect(await statusOf('A')).toMatchObject({ status: 'delivered' });
  });

  it('replays only the newest of a channel\'s dead stock values, and none when one is already pending', async () => {
    const at = (minute: number) => `2024-05-01T10:0${minute}:00.000Z`;
    const stock = (key: string, status: string, minute: number) => ['t1', `dlv_${key}`, 'tmall', 'channel.stock', key, null, null, '{}', status, 0, at(minute), 'channel.stock/tmall/SKU-A', at(minute), at(minute)];
    const columns = ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'after_key', 'payload', 'status', 'priority', 'next_attempt_at', 'coalesce_key', 'created_at', 'updated_at'];
    await store.batch(insertRows('outbox', columns, [stock('v1', 'dead', 1), stock('v2', 'dead', 2)]));
    expect(await replayDeadLetters(store, 't1', { all: true }, now())).toBe(1);
    expect((await statusOf('v1'))?.status).toBe('superseded');
    expect((await statusOf('v2'))?.status).toBe('pending');

    await store.batch(insertRows('outbox', columns, [stock('v3', 'dead', 3)]));
    expect(await replayDeadLetters(store, 't1', { target: 'tmall' }, now())).toBe(0);
    expect((await statusOf('v3'))?.status).toBe('superseded');
  });

  it('holds back what waits for a dead letter, down the chain, and replays them together', async () => {
    const erp = target([{ outcome: 'failed', code: '11', reason: 'credit limit' }]);
    await queue([{ key: 'voucher/1', after: 'receivable/1', kind: 'erp.voucher' }, { key: 'receivable/1', after: 'sale/1', kind: 'erp.receivable' }, { key: 'sale/1' }]);
    const dispatcher = new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now });
    for (let i = 0; i < 3; i++) await dispatcher.runOnce();
    expect(await statusOf('receivable/1')).toMatchObject({ status: 'dead', last_error: 'blocked: sale/1 is a dead letter' });
    expect(await statusOf('voucher/1')).toMatchObject({ status: 'dead', last_error: 'blocked: receivable/1 is a dead letter' });
    expect(await replayDeadLetters(store, 't1', { target: 'erp', kind: 'erp.sale_order' }, now())).toBe(3);
    for (let i = 0; i < 3; i++) await dispatcher.runOnce();
    expect(erp.received.map((r) => r.key)).toEqual(['sale/1', 'sale/1', 'receivable/1', 'voucher/1']);
  });

  it('sends a permanent failure to the dead letters at once, with the target\'s message', async () => {
    const erp = target([{ outcome: 'failed', code: '500002', reason: '物料编码不存在' }]);
    await queue([{ key: 'A' }]);
    await new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now }).runOnce();
    expect(await statusOf('A')).toMatchObject({ status: 'dead', attempts: 1, last_error: '500002: 物料编码不存在' });
  });

  it('asks the target before sending again after an ambiguous call', async () => {
    const lookups: string[] = [];
    const answers: Array<'exists' | 'absent'> = ['exists', 'absent'];
    const erp = target([{ outcome: 'unknown', reason: 'timeout after sending' }, { outcome: 'unknown', reason: 'timeout after sending' }], {
      lookup: async (d) => (lookups.push(d.idempotencyKey), answers.shift()!),
    });
    await queue([{ key: 'A' }, { key: 'B' }]);
    const dispatcher = new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now, random: () => 0 });
    await dispatcher.runOnce();
    expect(await statusOf('A')).toMatchObject({ status: 'unknown', last_error: 'timeout after sending' });
    await dispatcher.runOnce();
    // A was there already: delivered without a second send; B was not: sent once more.
    expect(lookups).toEqual(['A', 'B']);
    expect(erp.received.map((r) => r.key)).toEqual(['A', 'B', 'B']);
    expect(await statusOf('A')).toMatchObject({ status: 'delivered' });
    expect(await statusOf('B')).toMatchObject({ status: 'delivered' });
    // Every call is on record, the lookups too: the target's limit counts them after a restart.
    const calls = await store.query("SELECT o.idempotency_key AS key, a.outcome FROM delivery_attempts a JOIN outbox o ON o.tenant = a.tenant AND o.id = a.delivery_id WHERE a.tenant = 't1' ORDER BY o.idempotency_key, a.id");
    expect(calls).toEqual([
      { key: 'A', outcome: 'unknown' },
      { key: 'A', outcome: 'found' },
      { key: 'B', outcome: 'unknown' },
      { key: 'B', outcome: 'absent' },
      { key: 'B', outcome: 'delivered' },
    ]);
  });

  it('hands an unknown delivery to a person (the dead letters) when the target cannot be asked; a thrown error counts as unknown', async () => {
    const bot = target([new Error('socket hang up')]);
    await queue([{ key: 'A', target: 'bot' }]);
    const dispatcher = new Dispatcher(store, { bot: bot.adapter }, { tenants: ['t1'], now, random: () => 0 });
    await dispatcher.runOnce();
    expect(await statusOf('A')).toMatchObject({ status: 'unknown', last_error: 'the adapter failed: socket hang up' });
    await dispatcher.runOnce();
    expect(bot.received).toHaveLength(1);
    expect(await statusOf('A')).toMatchObject({ status: 'dead', last_error: 'outcome unknown and the target cannot be asked: check it, then replay it or mark it delivered' });
    const [row] = await store.query('SELECT id FROM outbox WHERE tenant = ?', ['t1']);
    expect(await markDelivered(store, 't1', String(row!.id), now())).toBe(true);
    expect(await statusOf('A')).toMatchObject({ status: 'delivered' });
  });

  it('treats a lease that ran out as an unknown outcome, never a blind resend', async () => {
    await queue([{ key: 'A' }]);
    await store.batch([{ sql: "UPDATE outbox SET status = 'sending', lease_owner = 'dead-dispatcher', lease_until = '2024-05-01T09:59:00Z' WHERE tenant = 't1'" }]);
    const erp = target([], { lookup: async () => 'exists' });
    await new Dispatcher(store, { erp: erp.adapter }, { tenants: ['t1'], now }).runOnce();
    expect(erp.received).toEqual([]);
    expect(await statusOf('A')).toMatchObject({ status: 'delivered' });
  });

  it('never exceeds a target\'s limit, also across a restart', async () => {
    const bot = target();
    bot.adapter.limits = { calls: 5, perMs: 250 };
    await queue(Array.from({ length: 12 }, (_, i) => ({ key: `m${i}`, target: 'bot' })));
    await new Dispatcher(store, { bot: bot.adapter }, { tenants: ['t1'], batchSize: 8 }).runOnce();
    // A new dispatcher (a restart) picks up the rest and keeps the spacing from the last call.
    await new Dispatcher(store, { bot: bot.adapter }, { tenants: ['t1'] }).runOnce();
    const times = bot.received.map((r) => r.at);
    expect(times).toHaveLength(12);
    // No 250 ms window holds more than 5 calls.
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5]! - times[i]!, `calls ${i}..${i + 5}`).toBeGreaterThanOrEqual(250);
  });
});

describe('a target that asks to be left alone', () => {
  beforeEach(async () => {
    store = await openLibsqlStore({ url: ':memory:' });
    clock = Date.parse('2024-05-01T10:00:00Z');
  });

  it('gets nothing more until its ban window ends', async () => {
    const bot = target([{ outcome: 'retry', reason: '130101 send too fast', afterMs: 600_000, pauseTarget: true }]);
    await queue([{ key: 'm1', target: 'bot' }]);
    const dispatcher = new Dispatcher(store, { bot: bot.adapter }, { tenants: ['t1'], now, random: () => 0 });
    await dispatcher.runOnce();
    await queue([{ key: 'm2', target: 'bot' }, { key: 'm3', target: 'bot' }].map((r) => ({ ...r, key: r.key })));
    expect((await dispatcher.runOnce()).claimed).toBe(0);
    clock += 600_000;
    await dispatcher.runOnce();
    expect(bot.received.map((r) => r.key)).toEqual(['m1', 'm1', 'm2', 'm3']);
  });
});
