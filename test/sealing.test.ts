/**
 * Receivers sealed at rest across restarts: the hub refuses to start with a key that cannot
 * open what it sealed, or with none, and reads old values after the key rotates.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataKeys } from '../core/order/sealing.ts';
import { parseConfig } from '../runtime/config.ts';
import { openHub } from '../runtime/hub.ts';

const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
const ORDER = JSON.stringify({
  id: 'WEB-1', status: 'paid', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00',
  shippingAddress: { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: '南京西路1号' },
  items: [{ sku: 'S1', title: 'T', quantity: 1, price: '9.90' }], total: '9.90',
});

describe('data keys', () => {
  it('refuses a wrong or missing key at start, and opens old values after a rotation', async () => {
    const url = `file:${join(mkdtempSync(join(tmpdir(), 'hub-sealing-')), 'hub.db')}`;
    const config = parseConfig('{}', 'hub.yaml', {});
    const first = await openHub(config, { url, dataKeys: parseDataKeys(`a=${key(1)}`) });
    await first.pipeline.ingest({ tenant: 't1', channel: 'webhook', payload: ORDER });
    await first.close();

    await expect(openHub(config, { url, dataKeys: parseDataKeys(`a=${key(2)}`) })).rejects.toThrow('a value sealed with key "a" does not open with the key of that id in HUB_DATA_KEYS: the key is wrong');
    await expect(openHub(config, { url })).rejects.toThrow('the database holds values sealed with "a": set HUB_DATA_KEYS to the keys that sealed them');

    // Rotated: b seals from now on, a still opens what it sealed.
    const rotated = await openHub(config, { url, dataKeys: parseDataKeys(`b=${key(3)},a=${key(1)}`) });
    const changed = JSON.parse(ORDER);
    changed.updatedAt = '2024-05-01T11:00:00+08:00';
    changed.shippingAddress.address = '南京西路2号';
    const result = await rotated.pipeline.ingest({ tenant: 't1', channel: 'webhook', payload: JSON.stringify(changed) });
    expect(result.orders[0]!.outcome).toBe('updated');
    const [row] = await rotated.store.query("SELECT doc FROM orders WHERE external_id = 'WEB-1'");
    const stored = JSON.parse(String(row!.doc)).receiver;
    expect(stored.address).toMatch(/^sealed:v1:b:/);
    expect(await rotated.sealer!.openOrder({ receiver: stored })).toMatchObject({ receiver: { address: '南京西路2号', phone: '13800138000' } });
    const events = await rotated.store.query("SELECT detail FROM order_events WHERE kind = 'address_changed'");
    expect(String(events[0]!.detail)).not.toContain('南京西路');
    expect((await rotated.store.query('SELECT key_id FROM seal_probes ORDER BY key_id')).map((r) => r.key_id)).toEqual(['a', 'b']);
    await rotated.close();

    // Dropping the old key while values sealed with it remain is refused at start.
    await expect(openHub(config, { url, dataKeys: parseDataKeys(`b=${key(3)}`) })).rejects.toThrow('a value is sealed with key "a", which HUB_DATA_KEYS does not hold (it holds b)');
  });
});
