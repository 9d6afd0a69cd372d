import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callbackSign, md5Upper, querySign, safeEqual } from './sign.ts';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();

describe('Kuaidi100 signatures', () => {
  it('are MD5 in upper-case hex (RFC 1321 vectors)', () => {
    expect(md5Upper('')).toBe('D41D8CD98F00B204E9800998ECF8427E');
    expect(md5Upper('abc')).toBe('900150983CD24FB0D6963F7D28E17F72');
    expect(md5Upper('message digest')).toBe('F96B697D7CB7938D525A2F31AAF161D0');
  });

  it('sign a query as MD5(param + key + customer), over the param text as sent', () => {
    // The param of Kuaidi100's own nodejs-demo base/query.js.
    const param = '{"com":"yuantong","num":"em263999513jp","phone":"13868688888","from":"广东省深圳市南山区","to":"北京市朝阳区","resultv2":"4","show":"0","order":"desc","lang":"zh"}';
    expect(querySign(param, 'xHCYpLfa1234', 'F8A5C2E6D1B34C0FA2B8C0D1E2F30415')).toBe(md5(`${param}xHCYpLfa1234F8A5C2E6D1B34C0FA2B8C0D1E2F30415`));
    expect(querySign(param, 'xHCYpLfa1234', 'F8A5C2E6D1B34C0FA2B8C0D1E2F30415')).toMatch(/^[0-9A-F]{32}$/);
    // Key and customer in the wrong order is another signature.
    expect(querySign(param, 'F8A5C2E6D1B34C0FA2B8C0D1E2F30415', 'xHCYpLfa1234')).not.toBe(querySign(param, 'xHCYpLfa1234', 'F8A5C2E6D1B34C0FA2B8C0D1E2F30415'));
  });

  it('sign a callback as MD5(param + salt)', () => {
    const param = '{"status":"polling","billstatus":"","message":"","lastResult":{"message":"ok","nu":"SF1440000000001","ischeck":"0","com":"shunfeng","status":"200","state":"1","data":[{"time":"2024-05-20 18:00:00","ftime":"2024-05-20 18:00:00","context":"顺丰速运 已收取快件"}]}}';
    expect(callbackSign(param, 'salt-9f2c')).toBe(md5(`${param}salt-9f2c`));
    expect(callbackSign(param, '')).toBe(md5(param));
  });

  it('compares in constant time', () => {
    expect(safeEqual('ABC', 'ABC')).toBe(true);
    expect(safeEqual('ABC', 'ABD')).toBe(false);
    expect(safeEqual('ABC', 'AB')).toBe(false);
  });
});
