import { describe, expect, it } from 'vitest';
import { classifyAnswer } from './classify.ts';

const answer = (body: unknown, status = 200) => classifyAnswer({ status, text: typeof body === 'string' ? body : JSON.stringify(body) });

describe('classifyAnswer', () => {
  it('takes code 10000 as a number or a string, and keeps big numbers in data exact', () => {
    const ok = answer('{"code":10000,"msg":"success","sub_code":"","sub_msg":"","data":{"product_id":3701938475610298874},"log_id":"2025"}');
    expect(ok).toMatchObject({ kind: 'ok', data: { product_id: '3701938475610298874' } });
    expect(answer({ data: {}, log_id: '2024122316413533F8', code: '10000', msg: 'success', sub_code: '', sub_msg: '' })).toMatchObject({ kind: 'ok' });
  });

  it('retries throttling: code 60000, or a sub_code or message naming a limit', () => {
    expect(answer({ code: 60000, msg: '触发限流，请稍后重试', sub_code: '', sub_msg: '' })).toEqual(expect.objectContaining({ kind: 'retry', code: '60000', afterMs: 60_000, reason: 'Doudian 60000 触发限流，请稍后重试' }));
    expect(answer({ code: 50002, msg: '业务处理失败', sub_code: 'isp.service-limit', sub_msg: '' })).toMatchObject({ kind: 'retry', code: 'isp.service-limit', afterMs: 60_000 });
    expect(answer({ code: 40004, msg: '非法的参数', sub_code: 'isv.business-failed', sub_msg: '调用频率过快' })).toMatchObject({ kind: 'retry' });
  });

  it('retries "service unavailable" and "internal timeout"', () => {
    expect(answer({ code: 20000, msg: '服务不可用', sub_code: 'isp.service-error:20001', sub_msg: '底层错误' })).toMatchObject({ kind: 'retry', code: 'isp.service-error:20001' });
    expect(answer({ code: 20001, msg: '内部服务超时', sub_code: '', sub_msg: '' })).toMatchObject({ kind: 'retry', code: '20001' });
  });

  it('fails a refused token, signature or authorisation as a credential problem', () => {
    for (const sub of ['isv.access-token-expired', 'isv.access-token-no-existed', 'isv.access-token-invalid']) {
      expect(answer({ code: 40003, msg: '非法的参数', sub_code: sub, sub_msg: 'access_token已过期' })).toMatchObject({ kind: 'failed', code: sub, credential: true, reason: expect.stringContaining('refresh it') });
    }
    expect(answer({ code: 40001, msg: '缺少必选参数', sub_code: 'isv.access-token-missing', sub_msg: '' })).toMatchObject({ kind: 'failed', credential: true });
    expect(answer({ code: 40003, msg: '非法的参数', sub_code: 'isv.signature-invalid', sub_msg: '签名校验失败' })).toMatchObject({ kind: 'failed', credential: true, reason: expect.stringContaining('appSecret') });
    expect(answer({ code: 30001, msg: '操作权限不足', sub_code: 'dop.authorization-no-existed', sub_msg: '店铺授权已失效，请重新授权' })).toMatchObject({ kind: 'failed', credential: true });
  });

  it('fails business errors for good, with the platform\'s words', () => {
    expect(answer({ code: 40004, msg: '非法的参数', sub_code: 'isv.parameter-invalid:20022', sub_msg: '订单查询只支持查询最近90天内的数据' })).toEqual(
      expect.objectContaining({ kind: 'failed', code: 'isv.parameter-invalid:20022', reason: 'Doudian 40004 isv.parameter-invalid:20022 非法的参数: 订单查询只支持查询最近90天内的数据' }),
    );
    expect(answer({ code: 70000, msg: '服务已下线', sub_code: 'isp.api-service-off', sub_msg: 'API不存在或API已下线' })).toMatchObject({ kind: 'failed' });
  });

  it('reads HTTP: 429 and 5xx retried (Retry-After honoured), other statuses failed', () => {
    expect(classifyAnswer({ status: 429, text: '', retryAfter: '7' })).toMatchObject({ kind: 'retry', afterMs: 7000 });
    expect(answer('<html>502 Bad Gateway</html>', 502)).toMatchObject({ kind: 'retry', code: 'http-502' });
    expect(answer('not found', 404)).toMatchObject({ kind: 'failed', code: 'http-404' });
  });

  it('retries a 200 that is not an envelope (a proxy page), and reads the legacy err_no envelope', () => {
    expect(answer('<html>maintenance</html>')).toMatchObject({ kind: 'retry', code: 'not-json' });
    expect(answer('[1,2]')).toMatchObject({ kind: 'retry', code: 'not-envelope' });
    expect(answer({ err_no: 0, message: 'success', data: { x: 1 } })).toMatchObject({ kind: 'ok', data: { x: 1 } });
    expect(answer({ err_no: 30005, message: 'access_token已过期', data: null })).toMatchObject({ kind: 'failed', code: '30005' });
  });
});
