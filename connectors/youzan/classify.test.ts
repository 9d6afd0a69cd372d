import { describe, expect, it } from 'vitest';
import { classifyAnswer, retryAfterMs, THROTTLED_MS } from './classify.ts';

// Answer shapes as Youzan sends them (sources in README.md).
const ok = (body: unknown) => ({ status: 200, text: JSON.stringify(body) });
const gateway = (code: number, msg: string) => ok({ gw_err_resp: { trace_id: 'yz7-0a34f88b-1773817700497-120320', err_msg: msg, err_code: code } });

describe('classifying Youzan answers', () => {
  it('reads a 4.x success and its data, big ids kept exact', () => {
    const verdict = classifyAnswer({ status: 200, text: '{"trace_id":"yz7-1","code":200,"data":{"full_order_info_list":[],"total_results":0,"fans_id":12345678901234567890},"success":true,"message":"successful"}' });
    expect(verdict).toMatchObject({ kind: 'ok', data: { full_order_info_list: [], total_results: 0, fans_id: '12345678901234567890' } });
  });

  it('reads 3.x answers: response, error_response', () => {
    expect(classifyAnswer(ok({ response: { is_success: true } }))).toMatchObject({ kind: 'ok', data: { is_success: true } });
    expect(classifyAnswer(ok({ error_response: { code: 50000, msg: '商品不存在' } }))).toMatchObject({ kind: 'failed', code: '50000', reason: 'Youzan 50000: 商品不存在' });
    expect(classifyAnswer(ok({ code: 200, success: true, data: { is_success: false } }))).toMatchObject({ kind: 'failed', code: 'is_success_false' });
  });

  it('sees refused tokens in gateway errors: 4201, 4202, 4203', () => {
    expect(classifyAnswer(gateway(4203, 'Token 不存在'))).toMatchObject({ kind: 'token', code: '4203', reason: 'Youzan 4203: Token 不存在' });
    expect(classifyAnswer(gateway(4202, '请求凭证过期')).kind).toBe('token');
    expect(classifyAnswer(gateway(4201, '非法的请求凭证')).kind).toBe('token');
  });

  it('retries throttling, gateway and service codes alike, after the documented first step', () => {
    expect(classifyAnswer(gateway(4101, '请求太频繁'))).toMatchObject({ kind: 'retry', code: '4101', afterMs: THROTTLED_MS });
    expect(classifyAnswer(ok({ msg: '请求被限流', code: 500100004 }))).toMatchObject({ kind: 'retry', code: '500100004', afterMs: THROTTLED_MS });
    expect(classifyAnswer(ok({ code: 123000042, success: false, message: '请求被限流' }))).toMatchObject({ kind: 'retry', afterMs: THROTTLED_MS });
    expect(classifyAnswer({ status: 429, text: '', retryAfter: '7' })).toMatchObject({ kind: 'retry', afterMs: 7000 });
  });

  it('lets the message decide for reused business codes', () => {
    // Seen live: 106000001 for a time range over a year, which no retry fixes.
    expect(classifyAnswer(ok({ trace_id: 'yz7-1', code: 106000001, data: { full_order_info_list: [] }, success: false, message: '每次可搜索一年订单记录,请重新选择起止时间' }))).toMatchObject({
      kind: 'failed',
      code: '106000001',
      reason: 'Youzan 106000001: 每次可搜索一年订单记录,请重新选择起止时间',
    });
    expect(classifyAnswer(ok({ code: 106100118, success: false, message: '请求超时，请稍后重试' })).kind).toBe('retry');
    expect(classifyAnswer(ok({ code: 5000, success: false, message: 'trade not found' }))).toMatchObject({ kind: 'failed', code: '5000' });
  });

  it('fails gateway refusals no retry fixes: bad path, unknown API, IP not whitelisted, no permission, wrong parameter type', () => {
    for (const [code, msg] of [
      [4001, '非法请求地址'],
      [4005, '非法的API'],
      [4007, '源IP地址1.2.3.4非法调用有赞云，请完成IP地址确认后，前往应用中心控制台进行IP白名单配置'],
      [4204, '无权限访问'],
      [5001, '系统异常'],
    ] as const) {
      expect(classifyAnswer(gateway(code, msg))).toMatchObject({ kind: 'failed', code: String(code) });
    }
  });

  it('classifies HTTP failures: 5xx and unreadable 200s retry, other statuses fail', () => {
    expect(classifyAnswer({ status: 502, text: '<html>Bad Gateway</html>' })).toMatchObject({ kind: 'retry', code: 'http_502' });
    expect(classifyAnswer({ status: 200, text: '<html>nginx</html>' }).kind).toBe('retry');
    expect(classifyAnswer({ status: 404, text: 'Not Found' })).toMatchObject({ kind: 'failed', code: 'http_404' });
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Wed, 01 May 2024 10:00:30 GMT', Date.parse('2024-05-01T10:00:00Z'))).toBe(30_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
