import { describe, expect, it } from 'vitest';
import { classifyAnswer, CONFIG_RETRY_MS, PEAK_RETRY_MS, retryAfterMs, THROTTLED_MS, waybillsOf } from './classify.ts';

/** SF's envelope, apiResultData as the JSON string SF sends. */
const answer = (apiResultCode: string, data?: unknown, apiErrorMsg = '') => ({
  status: 200,
  text: JSON.stringify({ apiErrorMsg, apiResponseID: '000180FDDD5BA63FDE61E7FE00E8323F', apiResultCode, apiResultData: data === undefined ? null : JSON.stringify(data) }),
});
const business = (errorCode: string, errorMsg: string) => answer('A1000', { success: false, errorCode, errorMsg, msgData: null });

describe('classifying SF answers', () => {
  it('reads a created order and its waybill numbers out of the apiResultData string', () => {
    // Shape of a real EXP_RECE_CREATE_ORDER answer (S0000, waybillNoInfoList, routeLabelInfo).
    const verdict = classifyAnswer(
      answer('A1000', {
        success: true,
        errorCode: 'S0000',
        errorMsg: null,
        msgData: { orderId: 'OH1', originCode: '755', destCode: '571', filterResult: 2, waybillNoInfoList: [{ waybillType: 2, waybillNo: 'SF7444439560571' }, { waybillType: 1, waybillNo: 'SF7444439560563' }], routeLabelInfo: [{ code: '1000' }] },
      }),
    );
    expect(verdict).toMatchObject({ kind: 'ok', data: { errorCode: 'S0000' }, envelope: { apiResponseID: '000180FDDD5BA63FDE61E7FE00E8323F' } });
    expect(waybillsOf(verdict.kind === 'ok' ? verdict.data.msgData : null)).toEqual({ waybillNo: 'SF7444439560563', waybillNos: ['SF7444439560571', 'SF7444439560563'] });
    expect(waybillsOf(undefined)).toEqual({ waybillNos: [] });
    // apiResultData already parsed (some proxies do that) is read the same.
    expect(classifyAnswer({ status: 200, text: JSON.stringify({ apiResultCode: 'A1000', apiResultData: { success: 'true', errorCode: 'S0000' } }) }).kind).toBe('ok');
  });

  it('takes 8016 重复下单 (and the gateway\'s A1007) as a duplicate, and 8018 / 6150 / 8024 as no such order', () => {
    // The example answer of SF's API overview.
    expect(classifyAnswer(business('8016', '重复下单'))).toMatchObject({ kind: 'duplicate', code: '8016', reason: 'SF 8016: 重复下单' });
    expect(classifyAnswer(answer('A1007', undefined, '重复请求'))).toMatchObject({ kind: 'duplicate', code: 'A1007' });
    expect(classifyAnswer(business('8018', '未获取到订单信息'))).toMatchObject({ kind: 'not-found', code: '8018' });
    expect(classifyAnswer(business('6150', '找不到该订单'))).toMatchObject({ kind: 'not-found' });
    // A business code inside another gateway code is still read.
    expect(classifyAnswer(answer('A1001', { success: false, errorCode: '8024', errorMsg: '未下单' }))).toMatchObject({ kind: 'not-found', code: '8024' });
  });

  it('fails business errors for good, with SF\'s code and message verbatim', () => {
    expect(classifyAnswer(business('1016', '到件电话不能为空'))).toMatchObject({ kind: 'failed', code: '1016', reason: 'SF 1016: 到件电话不能为空' });
    expect(classifyAnswer(business('8119', '月结卡号不存在或已失效'))).toMatchObject({ kind: 'failed', code: '8119' });
    expect(classifyAnswer(business('20035', '托寄物违禁品不可收寄'))).toMatchObject({ kind: 'failed', code: '20035' });
  });

  it('retries the capacity peak later, and system-side or busy answers', () => {
    expect(classifyAnswer(business('8177', '正值运力高峰期'))).toMatchObject({ kind: 'retry', afterMs: PEAK_RETRY_MS });
    expect(classifyAnswer(business('S0001', '系统异常'))).toMatchObject({ kind: 'retry', reason: 'SF S0001: 系统异常' });
    expect(classifyAnswer(business('9999', '系统繁忙，请稍后再试'))).toMatchObject({ kind: 'retry' });
  });

  it('classifies every gateway code', () => {
    expect(classifyAnswer(answer('A1001', undefined, '必传参数不可为空'))).toMatchObject({ kind: 'failed', code: 'A1001', reason: 'SF A1001: 必传参数不可为空' });
    expect(classifyAnswer(answer('A1002', undefined, '请求已过期'))).toMatchObject({ kind: 'retry', afterMs: 60_000 });
    for (const code of ['A1003', 'A1004', 'A1006', 'A1010']) expect(classifyAnswer(answer(code))).toMatchObject({ kind: 'retry', afterMs: CONFIG_RETRY_MS, pauseTarget: true });
    expect(classifyAnswer(answer('A1006', undefined, '数字签名无效'))).toMatchObject({ reason: 'SF A1006: 数字签名无效' });
    expect(classifyAnswer(answer('A1005', undefined, '流量受控'))).toMatchObject({ kind: 'retry', afterMs: THROTTLED_MS, pauseTarget: true });
    expect(classifyAnswer(answer('A1008'))).toMatchObject({ kind: 'failed', code: 'A1008' });
    expect(classifyAnswer(answer('A1009', undefined, '目标服务异常或不可达'))).toEqual(expect.objectContaining({ kind: 'retry' }));
    expect(classifyAnswer(answer('A1009'))).not.toHaveProperty('afterMs');
    expect(classifyAnswer(answer('A1099'))).toMatchObject({ kind: 'retry' });
    expect(classifyAnswer(answer('A2001', undefined, '?'))).toMatchObject({ kind: 'unknown', reason: 'SF A2001: ?' });
  });

  it('classifies HTTP failures: 5xx retry, 429 after its hint, 504 unknown, 404 a config error', () => {
    expect(classifyAnswer({ status: 503, text: '<html>Service Unavailable</html>' })).toMatchObject({ kind: 'retry', reason: 'HTTP 503: <html>Service Unavailable</html>' });
    expect(classifyAnswer({ status: 429, text: '', retryAfter: '12' })).toMatchObject({ kind: 'retry', afterMs: 12_000, pauseTarget: true });
    expect(classifyAnswer({ status: 429, text: '' })).toMatchObject({ afterMs: THROTTLED_MS });
    expect(classifyAnswer({ status: 504, text: 'Gateway Timeout' })).toMatchObject({ kind: 'unknown' });
    expect(classifyAnswer({ status: 404, text: '' })).toMatchObject({ kind: 'failed', code: 'http_404', reason: expect.stringContaining('/std/service') });
    expect(classifyAnswer({ status: 403, text: '' })).toMatchObject({ kind: 'retry', pauseTarget: true });
  });

  it('cannot tell from an unreadable 200: unknown, so the engine asks before sending again', () => {
    expect(classifyAnswer({ status: 200, text: '<html>maintenance</html>' })).toMatchObject({ kind: 'unknown' });
    expect(classifyAnswer({ status: 200, text: '{"foo":1}' })).toMatchObject({ kind: 'unknown' });
    expect(classifyAnswer({ status: 200, text: JSON.stringify({ apiResultCode: 'A1000', apiResultData: '{broken' }) })).toMatchObject({ kind: 'unknown' });
    expect(classifyAnswer(answer('A1000'))).toMatchObject({ kind: 'unknown', reason: 'SF answered A1000 without apiResultData' });
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
