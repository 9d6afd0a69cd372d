import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialHealth } from '../core/connector/types.ts';
import type { Store } from '../core/store/port.ts';
import { checkCredentials } from '../runtime/credential-notices.ts';
import type { ShopBinding } from '../runtime/intake.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

let store: Store;
beforeEach(async () => (store = await openLibsqlStore({ url: ':memory:' })));
afterEach(async () => store.close());

const shop = (name: string, token: CredentialHealth['token']): ShopBinding => ({ tenant: 't1', channel: 'jd', shop: name, connector: { channel: 'jd', limits: {}, health: () => ({ token }) } });
const healthy = shop('fine', { state: 'valid', expiresAt: '2024-06-01T00:00:00Z', lastRefreshAt: null, lastRefreshError: null, consecutiveRefreshFailures: 0 });
const expiring = shop('jd-main', { state: 'refresh-due', expiresAt: '2024-05-03T00:00:00Z', lastRefreshAt: null, lastRefreshError: null, consecutiveRefreshFailures: 0 });

describe('credential notices', () => {
  it('logs every check, and tells the bot once a Beijing day per shop and state', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const check = (now: string, shops = [healthy, expiring]) => checkCredentials(store, shops, { target: 'dingtalk', log: (e) => logs.push(e), now: new Date(now) });
    expect(await check('2024-05-01T02:00:00Z')).toBe(1);
    expect(await check('2024-05-01T15:00:00Z')).toBe(0); // 23:00 in Beijing: the same day
    expect(await check('2024-05-01T16:30:00Z')).toBe(1); // 00:30 the next day there
    const expired = shop('jd-main', { state: 'expired', expiresAt: '2024-05-03T00:00:00Z', lastRefreshAt: null, lastRefreshError: 'code 19: token expired', consecutiveRefreshFailures: 2 });
    expect(await check('2024-05-01T17:00:00Z', [expired])).toBe(1);
    const rows = await store.query("SELECT target, kind, idempotency_key, payload FROM outbox ORDER BY id");
    expect(rows.map((r) => r.idempotency_key)).toEqual(['notify.credentials/jd/jd-main/refresh-due/2024-05-01', 'notify.credentials/jd/jd-main/refresh-due/2024-05-02', 'notify.credentials/jd/jd-main/expired/2024-05-02']);
    expect(JSON.parse(String(rows[2]!.payload))).toEqual({ channel: 'jd', shop: 'jd-main', state: 'expired', expiresAt: '2024-05-03T00:00:00Z', lastRefreshError: 'code 19: token expired', consecutiveRefreshFailures: 2 });
    expect(logs.filter((l) => l.event === 'credentials.warning').map((l) => l.shop)).toEqual(['jd-main', 'jd-main', 'jd-main', 'jd-main']);
  });

  it('only logs when no bot is named', async () => {
    const logs: Array<Record<string, unknown>> = [];
    expect(await checkCredentials(store, [expiring], { log: (e) => logs.push(e) })).toBe(0);
    expect(logs).toHaveLength(1);
    expect(await store.query('SELECT count(*) AS n FROM outbox')).toEqual([{ n: 0 }]);
  });
});
