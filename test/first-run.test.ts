/**
 * `npm start` on a fresh machine: `hub serve --sandboxes` with the repo's hub.yaml starts the
 * simulators on loopback, and orders from all six channels come in, are routed, and reach the
 * ERP, the WMS, the carrier and the bots. Then the console, in a real browser (Debian's
 * chromium driven by playwright-core), shows it. Screenshots land in tmp/console/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
let hub: ChildProcess;
let url = '';
let key = '';
let startedAt = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-first-run-'));
  startedAt = Date.now();
  hub = spawn(process.execPath, ['bin/hub.js', 'serve', '--sandboxes', '--port', '0', '--db', `file:${join(dir, 'hub.db')}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    hub.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      key = /admin API key for this run: (\S+)/.exec(stderr)?.[1] ?? key;
    });
    hub.stdout!.on('data', (chunk: Buffer) => {
      // HUB_LOG=<file> keeps the hub's log of a run, to read after a failure.
      if (process.env.HUB_LOG) appendFileSync(process.env.HUB_LOG, chunk);
      for (const line of String(chunk).split('\n')) {
        if (line.includes('"server.started"')) {
          url = JSON.parse(line).url;
          resolve();
        }
      }
    });
    hub.once('exit', (code) => reject(new Error(`hub serve exited with ${code}: ${stderr}`)));
  });
}, 30_000);

afterAll(async () => {
  if (!hub || hub.exitCode !== null) return;
  const exited = new Promise((r) => hub.once('exit', r));
  hub.kill('SIGTERM');
  await exited;
});

const api = async (path: string) => (await fetch(`${url}/api${path}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<any>;

describe('the first run', () => {
  it('takes orders from all six channels and delivers to the sandbox ERP, WMS, carrier and bots', { timeout: 60_000 }, async () => {
    const channels = ['tmall', 'jd', 'douyin', 'youzan', 'webhook', 'pos'];
    const targets = ['kingdee', 'qimen', 'sf', 'dingtalk', 'wecom'];
    let seen: Record<string, number> = {};
    let delivered: Record<string, number> = {};
    const firstAt: Record<string, number> = {};
    for (let i = 0; i < 120; i++) {
      seen = Object.fromEntries(await Promise.all(channels.map(async (c) => [c, (await api(`/orders?channel=${c}&limit=5`)).orders.length])));
      delivered = Object.fromEntries(await Promise.all(targets.map(async (t) => [t, (await api(`/deliveries?target=${t}&status=delivered&limit=5`)).deliveries.length])));
      for (const [k, n] of [...Object.entries(seen), ...Object.entries(delivered)]) if (n > 0) firstAt[k] ??= Date.now() - startedAt;
      if (Object.values(seen).every((n) => n > 0) && Object.values(delivered).every((n) => n > 0)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const c of channels) expect(seen[c], `orders from ${c}`).toBeGreaterThan(0);
    for (const t of targets) expect(delivered[t], `deliveries to ${t}`).toBeGreaterThan(0);
    console.info(`first run: every channel in and every target reached ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start`, firstAt);

    // An order from a platform has been routed to a warehouse, and its sale order is in the ERP.
    // (Paid, or already shipped by the WMS's confirmation.)
    const [paid] = [...(await api('/orders?channel=jd&status=paid&held=false&limit=1')).orders, ...(await api('/orders?channel=jd&status=shipped&limit=1')).orders];
    const detail = await api(`/orders/${paid.id}`);
    expect(detail.order.shipments.length).toBeGreaterThan(0);
    expect(detail.deliveries.map((d: { kind: string }) => d.kind)).toContain('erp.sale_order');
    // A delivered ERP document keeps the bill number the hub gave it.
    const [bill] = (await api('/deliveries?target=kingdee&status=delivered&limit=1')).deliveries;
    expect(bill.document_code).toMatch(/^(SO|AR)-[a-z]+-/);
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(root, 'tmp', 'console');

describe('the console in a browser', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
    mkdirSync(SHOTS, { recursive: true });
    // Background networking off: this machine's network is closed, and chromium would keep trying.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
  }, 30_000);
  afterAll(async () => browser?.close());

  it('shows the dashboard filling with orders, charts and target health', { timeout: 30_000 }, async () => {
    await page.goto(`${url}/?key=${key}`);
    await expect.poll(async () => Number(await page.getByTestId('kpi-orders').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(page.url()).not.toContain('key=');
    await expect.poll(async () => page.locator('[data-testid="chart-per-minute"] canvas').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await page.getByTestId('target-health').textContent()) ?? '', { timeout: 15_000 }).toContain('kingdee');
    expect(await page.getByTestId('kpi-gmv').textContent()).toMatch(/^¥[\d,]+\.\d\d$/);
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  });

  it('lists orders and opens one with its timeline and deliveries', { timeout: 30_000 }, async () => {
    await page.goto(`${url}/#/orders?channel=jd`);
    const first = page.getByTestId('orders').locator('tbody tr a').first();
    await first.waitFor();
    const externalId = await first.textContent();
    await first.click();
    await expect.poll(async () => (await page.getByTestId('order-title').textContent()) ?? '', { timeout: 10_000 }).toContain(`jd · ${externalId}`);
    await expect.poll(async () => page.getByTestId('timeline').locator('li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('timeline').locator('li strong').first().textContent()).toBe('created');
    // The receiver is masked until an admin asks.
    expect(await page.getByTestId('receiver').textContent()).toMatch(/\*\*\*/);
    await page.screenshot({ path: join(SHOTS, 'order.png'), fullPage: true });
  });

  it('replays a dead letter from the deliveries page', { timeout: 60_000 }, async () => {
    // Tmall and JD hand out receivers' phones masked: SF cannot take such a waybill, which is a dead letter.
    await expect.poll(async () => (await api('/deliveries?target=sf&status=dead&limit=1')).deliveries.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.goto(`${url}/#/deliveries?target=sf&status=dead`);
    const row = page.getByTestId('deliveries').locator('tbody tr[data-status="dead"]').first();
    await row.waitFor();
    await row.locator('td').nth(1).locator('a').click();
    await expect.poll(async () => (await page.locator('.attempts').first().textContent()) ?? '', { timeout: 10_000 }).toContain('masked by the platform');
    await page.screenshot({ path: join(SHOTS, 'dead-letter.png'), fullPage: true });
    await row.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(async () => (await page.locator('.note').first().textContent()) ?? '', { timeout: 10_000 }).toMatch(/^\d+ back in the queue$/);
    const audit = await api('/audit?action=replayDeadLetter&limit=1');
    expect(audit.entries[0]).toMatchObject({ action: 'replayDeadLetter', status: 200, actor: expect.stringContaining('sandbox console') });
  });

  it('runs the mapping playground and marks the lines errors point at', { timeout: 30_000 }, async () => {
    await page.goto(`${url}/#/playground`);
    await page.getByTestId('pg-channel').selectOption('webhook');
    await expect.poll(async () => (await page.getByTestId('pg-mapping').inputValue()).length, { timeout: 10_000 }).toBeGreaterThan(100);

    await page.getByTestId('pg-payload').fill('{\n  "id": "WEB-9",\n  "status" "paid"\n}');
    await page.getByTestId('pg-run').click();
    await expect.poll(async () => page.getByTestId('pg-payload-lines').locator('.err-line').getAttribute('data-line'), { timeout: 10_000 }).toBe('3');

    const payload = JSON.stringify({ id: 'WEB-9', status: 'paid', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00', items: [{ sku: 'SITE-TEE-BLK-M', title: 'T', quantity: 1, price: '99.00' }], total: '99.00' }, null, 2);
    await page.getByTestId('pg-payload').fill(payload);
    await page.getByTestId('pg-run').click();
    await expect.poll(async () => (await page.getByTestId('pg-output').textContent()) ?? '', { timeout: 10_000 }).toContain('"externalId": "WEB-9"');
    expect(await page.getByTestId('pg-output').textContent()).toContain('"paid": 9900');

    const mapping = await page.getByTestId('pg-mapping').inputValue();
    const line = mapping.slice(0, mapping.indexOf('externalId:')).split('\n').length;
    await page.getByTestId('pg-mapping').fill(mapping.replace('externalId:', 'externalld:'));
    await page.getByTestId('pg-run').click();
    await expect.poll(async () => page.getByTestId('pg-mapping-lines').locator('.err-line').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-line'))), { timeout: 10_000 }).toContain(String(line));
    expect(await page.getByTestId('pg-errors').textContent()).toContain('externalId');
    await page.screenshot({ path: join(SHOTS, 'playground.png'), fullPage: true });
  });

  it('speaks Chinese at a click', async () => {
    await page.getByTestId('lang').click();
    expect(await page.locator('header nav').textContent()).toBe('概览订单库存下发映射调试');
    await page.getByTestId('lang').click();
    expect(await page.locator('header nav').textContent()).toBe('DashboardOrdersStockDeliveriesMapping playground');
  });
});
