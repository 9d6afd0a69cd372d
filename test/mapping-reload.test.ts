/**
 * hub serve reloads a channel's own mapping file when it changes: a version that fails its
 * check is reported with file:line:column and the old one keeps serving; a good one takes over.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../runtime/config.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { createApiKey } from '../runtime/server/api/index.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const dir = mkdtempSync(join(tmpdir(), 'hub-reload-'));
const file = join(dir, 'site.yaml');
const original = readFileSync(new URL('../mappings/webhook.yaml', import.meta.url), 'utf8');
const logs: Array<Record<string, unknown>> = [];
let running: Running;
let key: string;

beforeAll(async () => {
  copyFileSync(new URL('../mappings/webhook.yaml', import.meta.url), file);
  writeFileSync(join(dir, 'hub.yaml'), 'mappings:\n  webhook: site.yaml\n');
  const db = `file:${join(dir, 'hub.db')}`;
  const store = await openLibsqlStore({ url: db });
  key = (await createApiKey(store, { tenant: 'default', name: 't', role: 'viewer' })).key;
  await store.close();
  running = await startServer(await loadConfig(join(dir, 'hub.yaml'), true), { port: 0, url: db, log: (e) => logs.push(e) });
});
afterAll(async () => running?.stop());

const PAYLOAD = JSON.stringify({ id: 'W-1', status: 'paid', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00', items: [{ sku: 'S', title: 'T', quantity: 1, price: '1.00' }], total: '1.00' });
const currency = async () => {
  const response = await fetch(`${running.url}/api/mappings/dry-run`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'webhook', payload: PAYLOAD }) });
  return ((await response.json()) as { outputs: Array<{ currency: string }> }).outputs[0]?.currency;
};
const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('mapping reload', () => {
  it('keeps the old mapping while the new one fails its check, and takes the new one once it passes', { timeout: 20_000 }, async () => {
    expect(await currency()).toBe('CNY');

    writeFileSync(file, original.replace('currency: { upper: { value: $.currency, default: CNY } }', 'currency: { uper: { value: $.currency, default: HKD } }'));
    await until(() => logs.some((l) => l.event === 'mapping.reload_failed'));
    const failed = logs.find((l) => l.event === 'mapping.reload_failed')!;
    expect(failed).toMatchObject({ channel: 'webhook', note: 'the previous version keeps serving' });
    expect(failed.problems).toEqual([`${file}:40:13: error: currency expects string, but this builds an object`]);
    expect(await currency()).toBe('CNY');

    writeFileSync(file, original.replace('default: CNY', 'default: HKD'));
    await until(() => logs.some((l) => l.event === 'mapping.reloaded'));
    expect(await currency()).toBe('HKD');
  });
});
