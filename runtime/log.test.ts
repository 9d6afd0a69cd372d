import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLog } from './log.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, log: createLog({ destination }) };
}

describe('the log', () => {
  it('masks receivers and mobile numbers, also inside messages', async () => {
    const { lines, log } = capture();
    log({ event: 'delivery.round_failed', error: 'ERP said: 收货人手机 13800138000 无效', receiver: { name: '林小姐', address: '南京西路1号', phone: '13800138000' } });
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ level: 50, name: 'hub', event: 'delivery.round_failed', error: 'ERP said: 收货人手机 138****8000 无效', receiver: { name: '林***', address: '南***', phone: '138****8000' } });
    expect(JSON.stringify(lines)).not.toContain('13800138000');
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('levels entries by their event: failures are errors, rejections and warnings warnings', async () => {
    const { lines, log } = capture();
    log({ event: 'push.received', channel: 'tmall' });
    log({ event: 'push.rejected', reason: 'bad signature' });
    log({ event: 'credentials.warning', shop: 'flagship' });
    log({ event: 'pull.failed', error: 'timeout' });
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.event, l.level])).toEqual([
      ['push.received', 30],
      ['push.rejected', 40],
      ['credentials.warning', 40],
      ['pull.failed', 50],
    ]);
  });
});
