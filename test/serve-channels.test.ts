import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDouyinSandbox, type DouyinSandbox } from '../connectors/douyin/sandbox/server.ts';
import { parseConfig } from '../runtime/config.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const db = `file:${join(mkdtempSync(join(tmpdir(), 'hub-channels-')), 'hub.db')}`;
let sandbox: DouyinSandbox;
let running: Running;

beforeAll(async () => {
  sandbox = await startDouyinSandbox({ orders: 25 });
  const since = new Date(Date.now() - 2 * 3600_000).toISOString();
  const config = parseConfig(
    `shops:
  - channel: douyin
    shop: main
    tenant: t1
    baseUrl: ${sandbox.url}
    appKey: "${sandbox.appKey}"
    appSecret: "\${env:DOUYIN_APP_SECRET}"
    accessToken: "\${env:DOUYIN_TOKEN}"
    pull: { everySeconds: 1, windowMinutes: 60, overlapMinutes: 5, lagMinutes: 0, since: "${since}" }
`,
    'hub.yaml',
    { DOUYIN_APP_SECRET: sandbox.appSecret, DOUYIN_TOKEN: sandbox.accessToken },
  );
  running = await startServer(config, { port: 0, url: db, log: () => undefined });
});
afterAll(async () => {
  await running.stop();
  await sandbox.close();
});

async function ordersStored(): Promise<Array<{ external_id: string; doc: string }>> {
  const store = await openLibsqlStore({ url: db });
  try {
    return (await store.query("SELECT external_id, doc FROM orders WHERE tenant = 't1' AND channel = 'douyin'")) as never;
  } finally {
    await store.close();
  }
}

describe('hub serve with a Douyin shop', () => {
  it('pulls every order of the shop, and takes a signed push for an order changed later, each once with its total', { timeout: 30_000 }, async () => {
    let stored: Array<{ external_id: string; doc: string }> = [];
    for (let i = 0; i < 100 && stored.length < 25; i++) {
      await new Promise((r) => setTimeout(r, 200));
      stored = await ordersStored();
    }
    expect(stored).toHaveLength(25);
    for (const row of stored) {
      const source = sandbox.orders.get(row.external_id)!;
      expect(JSON.parse(row.doc).amounts.paid, row.external_id).toBe(Number(source.pay_amount));
    }

    // The platform changes an order and pushes a hint: the hub fetches it and records the update.
    const [first] = stored;
    sandbox.touch(first!.external_id);
    const answer = await sandbox.push(`${running.url}/webhooks/douyin/main`, [{ tag: 101, msg_id: 'msg-1', data: { p_id: first!.external_id } }]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ code: 0, msg: 'success' });
    const forged = await fetch(`${running.url}/webhooks/douyin/main`, { method: 'POST', headers: { 'app-id': sandbox.appKey, 'event-sign': '0'.repeat(32), 'content-type': 'application/json' }, body: answer.sent });
    expect(forged.status).not.toBe(200);
    const store = await openLibsqlStore({ url: db });
    try {
      let fetched = 0;
      for (let i = 0; i < 50 && fetched === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        fetched = Number((await store.query("SELECT count(*) AS n FROM fetch_queue WHERE tenant = 't1' AND status = 'done'"))[0]!.n);
      }
      expect(fetched).toBe(1);
      expect(await store.query("SELECT count(*) AS n FROM orders WHERE tenant = 't1'")).toEqual([{ n: 25 }]);
    } finally {
      await store.close();
    }
  });
});

describe('hub backfill', () => {
  it('pulls a past window of a shop with progress, and a second run finds nothing new', { timeout: 30_000 }, async () => {
    const { main } = await import('../runtime/cli/main.ts');
    const { writeFileSync } = await import('node:fs');
    const other = await startDouyinSandbox({ orders: 12, seed: 11 });
    const dir = mkdtempSync(join(tmpdir(), 'hub-backfill-'));
    const config = join(dir, 'hub.yaml');
    writeFileSync(config, `shops:\n  - { channel: douyin, shop: main, baseUrl: "${other.url}", appKey: "${other.appKey}", appSecret: "\${env:BACKFILL_SECRET}", accessToken: "\${env:BACKFILL_TOKEN}" }\n`);
    process.env.BACKFILL_SECRET = other.appSecret;
    process.env.BACKFILL_TOKEN = other.accessToken;
    const run = async () => {
      const out: string[] = [];
      const code = await main(['node', 'hub', '--config', config, 'backfill', '--channel', 'douyin', '--shop', 'main', '--from', new Date(Date.now() - 2 * 3600_000).toISOString(), '--to', new Date().toISOString(), '--db', `file:${join(dir, 'hub.db')}`], { out: (t) => out.push(t), err: (t) => out.push(t) });
      return { code, out };
    };
    try {
      const first = await run();
      expect(first.code).toBe(0);
      // Windows overlap at their edges, so an order may be pulled twice; it is stored once.
      expect(first.out.at(-1)).toMatch(/^\[#{30}\] 100%  1[23] orders pulled, 12 new, up to /);
      const second = await run();
      expect(second.out.at(-1)).toMatch(/ 0 new, up to /);
    } finally {
      await other.close();
    }
  });
});
