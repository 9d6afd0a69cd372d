import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, md5Hex, signatureMatches, signYouzanPush } from './sign.ts';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe('Youzan push signatures', () => {
  it('match the published example: client_id "1", client_secret "2", body {"test":1}', () => {
    // github cuncle/YouzanyunPush README.md: curl … -H 'event-sign: 4a553ae0b22d6ab013ec53ee291d688b' -d '{"test":1}'
    // with YouzanClient{"1","2"}, whose Verifysign computes MD5(client_id + body + client_secret).
    expect(signYouzanPush({ client_id: '1', body: '{"test":1}' }, '2')).toEqual({ sign: '4a553ae0b22d6ab013ec53ee291d688b', signed: '1{"test":1}', kind: 'event-sign' });
    expect(signatureMatches('4a553ae0b22d6ab013ec53ee291d688b', '1', '{"test":1}', '2')).toBe(true);
    expect(signatureMatches('4A553AE0B22D6AB013EC53EE291D688B', '1', '{"test":1}', '2')).toBe(true);
  });

  it('agree with an independent MD5 over UTF-8 for bodies and msg fields (Chinese, emoji, +, %)', () => {
    const clientId = '4e96eb2fbc4f24f26f';
    const secret = '9f1c6c0a5b1e4e8f8d1c2b3a4f5e6d7c';
    const msg = encodeURIComponent(JSON.stringify({ tid: 'E20240529103015012300001', update_time: '2024-05-29 10:31:02', buyer: '小明🤡' })).replace(/%20/g, '+');
    const body = JSON.stringify({ client_id: clientId, id: 'E20240529103015012300001', kdt_name: '赞宝的店', msg, type: 'trade_TradeBuyerPay', test: false });
    expect(signYouzanPush({ client_id: clientId, body }, secret).sign).toBe(md5(clientId + body + secret));
    expect(signYouzanPush({ client_id: clientId, msg }, secret)).toEqual({ sign: md5(clientId + msg + secret), signed: clientId + msg, kind: 'body-sign' });
    expect(md5Hex('')).toBe(md5(''));
    expect(md5Hex('有赞云')).toBe(md5('有赞云'));
    // A byte changed anywhere changes the signature.
    expect(signatureMatches(md5(clientId + body + secret), clientId, body.replace('false', 'true'), secret)).toBe(false);
  });

  it('never hand back the secret', () => {
    const result = signYouzanPush({ client_id: 'cid', body: '{}' }, 'the-secret');
    expect(JSON.stringify(result)).not.toContain('the-secret');
  });

  it('compare in constant time, lengths included', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
