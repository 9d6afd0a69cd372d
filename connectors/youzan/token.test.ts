import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createYouzan } from './index.ts';
import { startYouzanSandbox, type YouzanSandbox } from './sandbox/server.ts';

const T0 = Date.parse('2024-05-29T12:00:00+08:00');
let clock = T0;
const now = () => clock;
const MINUTE = 60_000;

let sim: YouzanSandbox;
afterEach(async () => sim.close());

/** In process by default (fast); `{ overHttp: true }` goes through the loopback socket. */
function connector(extra: Record<string, unknown> = {}) {
  const { overHttp, ...rest } = extra;
  return createYouzan({ channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId, ...rest }, { fetch: overHttp ? fetch : sim.fetch, now });
}
const apiCalls = () => sim.calls.map((c) => `${c.token?.slice(0, 6)}:${c.answered}`);
const tokensUsed = () => [...new Set(sim.calls.map((c) => c.token))];
const lookup = (youzan: ReturnType<typeof connector>, tid = 'E-none') => youzan.fetchOrder!(tid);

describe('the access token', () => {
  beforeEach(async () => {
    clock = T0;
    sim = await startYouzanSandbox({ now, tokenTtlMs: 10 * MINUTE, generate: { count: 3, from: T0 - 60 * MINUTE, to: T0 - 30 * MINUTE } });
  });

  it('is fetched once with the silent grant, cached, and sent in the query string only', async () => {
    const youzan = connector({ overHttp: true });
    const tid = [...sim.orders.keys()][0]!;
    expect(await lookup(youzan, tid)).toMatchObject({ ok: true, order: { order_info: { tid } } });
    await Promise.all([lookup(youzan, tid), lookup(youzan, tid), lookup(youzan, tid)]);
    expect(sim.tokenRequests).toEqual([{ authorize_type: 'silent', grant_id: String(sim.kdtId), refresh: true, answered: '200' }]);
    expect(tokensUsed()).toHaveLength(1);
    expect(youzan.health().token).toMatchObject({ state: 'valid', expiresAt: new Date(T0 + 10 * MINUTE).toISOString(), lastRefreshAt: new Date(T0).toISOString(), refreshes: 1, refreshFailures: 0, rejections: 0 });
  });

  it('is refreshed before it expires (inside the last quarter of its life), not after', async () => {
    const youzan = connector();
    await lookup(youzan);
    clock = T0 + 7 * MINUTE; // 3 minutes left of 10: not yet inside the 2.5-minute margin
    await lookup(youzan);
    expect(sim.tokenRequests).toHaveLength(1);
    clock = T0 + 8 * MINUTE; // 2 minutes left: refreshed ahead of expiry
    expect(youzan.health().token.state).toBe('refresh-due');
    await lookup(youzan);
    expect(sim.tokenRequests).toHaveLength(2);
    expect(tokensUsed()).toHaveLength(2);
    expect(sim.calls.every((c) => c.answered !== '4202')).toBe(true);
    expect(youzan.health().token).toMatchObject({ state: 'valid', expiresAt: new Date(T0 + 18 * MINUTE).toISOString(), refreshes: 2 });
  });

  it('is dropped when refused before its expiry, and the next call fetches a new one', async () => {
    const youzan = connector();
    await lookup(youzan);
    sim.invalidateTokens();
    const refused = await lookup(youzan);
    expect(refused).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 1000, reason: expect.stringContaining('Token 不存在') } });
    expect(youzan.health().token).toMatchObject({ state: 'none', rejections: 1, lastRejection: 'Youzan 4203: Token 不存在' });
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: '5000' } }); // the order does not exist: the call went through
    expect(sim.tokenRequests).toHaveLength(2);
    expect(apiCalls().map((c) => c.split(':')[1])).toEqual(['5000', '4203', '5000']);
  });

  it('is fetched again when Youzan says it expired (4202) though our clock says it has not', async () => {
    // The connector's clock runs 20 minutes behind Youzan's.
    const youzan = createYouzan({ channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId }, { fetch: sim.fetch, now: () => clock - 20 * MINUTE });
    await lookup(youzan);
    clock = T0 + 11 * MINUTE;
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 1000, reason: expect.stringContaining('请求凭证过期') } });
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { code: '5000' } });
    expect(apiCalls().map((c) => c.split(':')[1])).toEqual(['5000', '4202', '5000']);
  });

  it('waits longer when a fresh token is refused too (the authorisation is gone), and recovers', async () => {
    const youzan = connector();
    sim.revokeAuthorisation();
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 1000, reason: expect.stringContaining('4201') } });
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 5 * MINUTE } });
    sim.restoreAuthorisation();
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { code: '5000' } });
    sim.revokeAuthorisation();
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { afterMs: 1000 } });
    expect(youzan.health().token.rejections).toBe(3);
  });

  it('keeps serving the old token while a refresh ahead of expiry fails, and says so', async () => {
    const youzan = connector();
    await lookup(youzan);
    clock = T0 + 8 * MINUTE;
    sim.failTokenNext('busy');
    expect(await lookup(youzan)).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: '5000' } });
    expect(youzan.health().token).toMatchObject({ state: 'refresh-due', refreshFailures: 1, consecutiveRefreshFailures: 1, lastRefreshError: 'Youzan token request: HTTP 503' });
    // Not asked again at once: the old token serves for another minute.
    await lookup(youzan);
    expect(sim.tokenRequests).toHaveLength(2);
    clock += MINUTE + 1;
    await lookup(youzan);
    expect(sim.tokenRequests).toHaveLength(3);
    expect(youzan.health().token).toMatchObject({ state: 'valid', consecutiveRefreshFailures: 0, refreshFailures: 1, refreshes: 2 });
  });

  it('answers retry with a long wait when Youzan refuses the credentials, and never shows the secret', async () => {
    const youzan = connector({ clientSecret: 'wrong-secret-value' });
    const result = await lookup(youzan);
    expect(result).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 5 * MINUTE, pauseTarget: true, reason: 'Youzan token refused (1000): 应用信息错误' } });
    expect(JSON.stringify(result)).not.toContain('wrong-secret-value');
    expect(JSON.stringify(youzan.health())).not.toContain('wrong-secret-value');
    expect(youzan.health().token).toMatchObject({ state: 'none', refreshFailures: 1 });
  });

  it('never appears in health or outcomes', async () => {
    const youzan = connector();
    await lookup(youzan);
    sim.invalidateTokens();
    const refused = await lookup(youzan);
    const token = sim.calls[0]!.token!;
    expect(JSON.stringify(youzan.health())).not.toContain(token);
    expect(JSON.stringify(refused)).not.toContain(token);
    expect(JSON.stringify(refused)).not.toContain(sim.clientSecret);
  });
});

describe('the access token of a tool app', () => {
  beforeEach(async () => {
    clock = T0;
    sim = await startYouzanSandbox({ now, tokenTtlMs: 10 * MINUTE, refreshToken: 'rt-initial' });
  });

  it('comes from the refresh token, which rotates: each new one is kept and handed out to be stored', async () => {
    const stored: string[] = [];
    const youzan = connector({ authorizeType: 'refresh_token', refreshToken: 'rt-initial', onRefreshToken: (t: string) => stored.push(t), tokenRefreshAheadMs: 0 });
    await lookup(youzan);
    expect(stored).toEqual([sim.currentRefreshToken()]);
    clock = T0 + 11 * MINUTE; // expired
    await lookup(youzan);
    // The second refresh used the rotated token (the first one no longer works).
    expect(sim.tokenRequests.map((r) => [r.refresh_token, r.answered])).toEqual([
      ['rt-initial', '200'],
      [stored[0], '200'],
    ]);
    expect(stored).toHaveLength(2);
    expect(JSON.stringify(youzan.health())).not.toContain('rt-');
  });
});
