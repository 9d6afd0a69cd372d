import { describe, expect, it } from 'vitest';
import { classifyQuery, classifySubscribe, CONFIG_RETRY_MS, THROTTLED_MS } from './classify.ts';

const json = (body: unknown, status = 200) => ({ status, text: JSON.stringify(body) });
const result = (ok: boolean, returnCode: string, message: string) => json({ result: ok, returnCode, message });

describe('classifying Kuaidi100 subscribe answers', () => {
  it('takes 200 as subscribed and 501 重复订阅 as already subscribed', () => {
    expect(classifySubscribe(result(true, '200', '提交成功'))).toMatchObject({ kind: 'ok', duplicate: false });
    expect(classifySubscribe(result(false, '501', '重复订阅'))).toMatchObject({ kind: 'ok', duplicate: true });
  });

  it('retries a server error, waits minutes on a bad or expired key, fails bad data for good', () => {
    expect(classifySubscribe(result(false, '500', '服务器错误'))).toMatchObject({ kind: 'retry', reason: 'Kuaidi100 500: 服务器错误' });
    expect(classifySubscribe(result(false, '600', '您不是合法的订阅者（即授权Key出错）'))).toMatchObject({ kind: 'retry', afterMs: CONFIG_RETRY_MS, pauseTarget: true });
    expect(classifySubscribe(result(false, '601', 'POLL:KEY已过期'))).toMatchObject({ kind: 'retry', pauseTarget: true });
    expect(classifySubscribe(result(false, '700', '订阅方的订阅数据存在错误'))).toMatchObject({ kind: 'failed', code: '700', reason: 'Kuaidi100 700: 订阅方的订阅数据存在错误' });
    expect(classifySubscribe(result(false, '701', '拒绝订阅的快递公司'))).toMatchObject({ kind: 'failed', code: '701' });
    expect(classifySubscribe(result(false, '702', 'POLL:识别不到该单号对应的快递公司'))).toMatchObject({ kind: 'failed', code: '702' });
  });

  it('classifies HTTP: 5xx retry, 429 after its hint, 504 and unreadable 200s unknown', () => {
    expect(classifySubscribe({ status: 503, text: 'busy' })).toMatchObject({ kind: 'retry', reason: 'HTTP 503: busy' });
    expect(classifySubscribe({ status: 429, text: '', retryAfter: '5' })).toMatchObject({ kind: 'retry', afterMs: 5000, pauseTarget: true });
    expect(classifySubscribe({ status: 429, text: '' })).toMatchObject({ afterMs: THROTTLED_MS });
    expect(classifySubscribe({ status: 504, text: '' })).toMatchObject({ kind: 'unknown' });
    expect(classifySubscribe({ status: 404, text: '' })).toMatchObject({ kind: 'failed', code: 'http_404' });
    expect(classifySubscribe({ status: 200, text: '<html/>' })).toMatchObject({ kind: 'unknown' });
    expect(classifySubscribe(json({ foo: 1 }))).toMatchObject({ kind: 'unknown' });
  });
});

describe('classifying Kuaidi100 query answers', () => {
  it('reads a track', () => {
    const body = { message: 'ok', nu: 'SF1440000000001', ischeck: '1', condition: 'F00', com: 'shunfeng', status: '200', state: '3', data: [{ time: '2024-05-22 10:00:00', ftime: '2024-05-22 10:00:00', context: '已签收' }] };
    expect(classifyQuery(json(body))).toEqual({ kind: 'track', track: { com: 'shunfeng', nu: 'SF1440000000001', state: '3', ischeck: '1', data: body.data } });
  });

  it('classifies the failure codes', () => {
    expect(classifyQuery(result(false, '500', '查询无结果，请隔段时间再查'))).toMatchObject({ kind: 'not-found' });
    expect(classifyQuery(result(false, '501', '服务器错误'))).toMatchObject({ kind: 'retry' });
    expect(classifyQuery(result(false, '502', '服务器繁忙'))).toMatchObject({ kind: 'retry' });
    expect(classifyQuery(result(false, '503', '验证签名失败'))).toMatchObject({ kind: 'retry', pauseTarget: true, afterMs: CONFIG_RETRY_MS });
    expect(classifyQuery(result(false, '601', 'key已过期'))).toMatchObject({ kind: 'retry', pauseTarget: true });
    expect(classifyQuery(result(false, '400', '提交的数据不完整，或者贵公司没授权'))).toMatchObject({ kind: 'failed', code: '400' });
    expect(classifyQuery({ status: 502, text: '' })).toMatchObject({ kind: 'retry' });
    expect(classifyQuery({ status: 504, text: '' })).toMatchObject({ kind: 'retry' });
    expect(classifyQuery({ status: 200, text: 'nope' })).toMatchObject({ kind: 'retry' });
  });
});
