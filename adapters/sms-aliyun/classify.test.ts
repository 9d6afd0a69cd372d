import { describe, expect, it } from 'vitest';
import { ALIYUN_CODES, classifyFailure, classifySendSms, DAY_MS, flowControlWaitMs, HOUR_MS, MINUTE_MS, THROTTLE_MS, untilBeijingMidnight } from './classify.ts';

const NOW = Date.parse('2024-05-01T02:00:00Z'); // 10:00 in Beijing
const reply = (body: unknown, status = 200, headers: Record<string, string> = {}) => ({ status, headers: new Headers(headers), body: typeof body === 'string' ? body : JSON.stringify(body) });
const aliyun = (Code: string, Message: string, status = 200) => reply({ Message, RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990', Code }, status);

describe('SendSms replies', () => {
  it('delivers on Code OK, keeping the BizId', () => {
    expect(classifySendSms(reply({ Message: 'OK', RequestId: 'R1', Code: 'OK', BizId: '900619746936498440^0' }), NOW)).toEqual({
      outcome: 'delivered',
      response: { Message: 'OK', RequestId: 'R1', Code: 'OK', BizId: '900619746936498440^0' },
    });
  });

  it("retries per-phone flow control after the window its message names, without pausing the target", () => {
    const cases: Array<[string, number]> = [
      ['触发分钟级流控Permits:1', MINUTE_MS],
      ['触发小时级流控Permits:5', HOUR_MS],
      ['触发天级流控Permits:10', DAY_MS],
      ['触发号码天级流控Permits:40', DAY_MS],
      ['触发业务流控', MINUTE_MS],
    ];
    for (const [message, afterMs] of cases) {
      const outcome = classifySendSms(aliyun('isv.BUSINESS_LIMIT_CONTROL', message), NOW);
      expect(outcome).toMatchObject({ outcome: 'retry', reason: `isv.BUSINESS_LIMIT_CONTROL ${message}`, afterMs });
      expect(outcome).not.toHaveProperty('pauseTarget');
    }
  });

  it("pauses the whole target for the account's limits: the daily total and API throttling", () => {
    expect(classifySendSms(aliyun('isv.DAY_LIMIT_CONTROL', '触发日发送限额'), NOW)).toMatchObject({ outcome: 'retry', afterMs: 14 * HOUR_MS, pauseTarget: true });
    for (const code of ['Throttling', 'Throttling.User', 'Throttling.Api']) {
      expect(classifySendSms(aliyun(code, 'Request was denied due to user flow control.', 400), NOW)).toMatchObject({ outcome: 'retry', afterMs: THROTTLE_MS, pauseTarget: true });
    }
    expect(classifySendSms(reply({ Code: 'Throttling.User', Message: 'x' }, 400, { 'retry-after': '5' }), NOW)).toMatchObject({ afterMs: 5000 });
  });

  it('retries system errors and 5xx, with or without a body', () => {
    expect(classifySendSms(aliyun('isp.SYSTEM_ERROR', 'isp.SYSTEM_ERROR'), NOW)).toMatchObject({ outcome: 'retry', reason: 'isp.SYSTEM_ERROR isp.SYSTEM_ERROR' });
    expect(classifySendSms(aliyun('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 503), NOW)).toMatchObject({ outcome: 'retry' });
    expect(classifySendSms(aliyun('SomethingNew', 'boom', 500), NOW)).toMatchObject({ outcome: 'retry', reason: 'SomethingNew boom' });
    expect(classifySendSms(reply('<html>502 Bad Gateway</html>', 502), NOW)).toMatchObject({ outcome: 'retry', reason: 'HTTP 502', response: { status: 502, body: '<html>502 Bad Gateway</html>' } });
    expect(classifySendSms(reply('', 503, { 'retry-after': '30' }), NOW)).toMatchObject({ outcome: 'retry', afterMs: 30_000 });
  });

  it('fails for good on the message, template, signature, account and credential errors, code and message verbatim', () => {
    const cases: Array<[string, string, number]> = [
      ['isv.MOBILE_NUMBER_ILLEGAL', '非法手机号', 200],
      ['isv.TEMPLATE_MISSING_PARAMETERS', '模板变量缺少对应参数值', 200],
      ['isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板', 200],
      ['isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名', 200],
      ['isv.DENY_IP_RANGE', 'IP地址所在的地区被禁用', 200],
      ['isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值', 200],
      ['isv.OUT_OF_SERVICE', '业务停机', 200],
      ['isv.MONTH_LIMIT_CONTROL', '触发月发送限额', 200],
      ['isp.RAM_PERMISSION_DENY', 'RAM权限DENY', 200],
      ['InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404],
      ['SignatureDoesNotMatch', 'Specified signature is not matched with our calculation. server string to sign is:POST&%2F&…', 400],
      ['InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', 400],
      ['isv.SOMETHING_NEW', '新的错误', 200],
    ];
    for (const [code, message, status] of cases) {
      expect(classifySendSms(aliyun(code, message, status), NOW)).toMatchObject({ outcome: 'failed', code, reason: message, response: { Code: code, Message: message } });
    }
    expect(classifySendSms(reply('not found', 404), NOW)).toMatchObject({ outcome: 'failed', code: 'HTTP 404' });
    for (const [code, rule] of Object.entries(ALIYUN_CODES)) expect(['retry', 'failed', 'unknown'], code).toContain(rule.outcome);
  });

  it('calls a reused nonce and a 200 without Aliyun\'s JSON unknown: the SMS may have gone out', () => {
    expect(classifySendSms(aliyun('SignatureNonceUsed', 'Specified signature nonce was used already.', 400), NOW)).toMatchObject({ outcome: 'unknown' });
    expect(classifySendSms(reply('<html>portal</html>'), NOW)).toMatchObject({ outcome: 'unknown' });
    expect(classifySendSms(reply({ Code: 'OK' }, 302), NOW)).toMatchObject({ outcome: 'failed', code: 'HTTP 302' });
  });
});

describe('waits and failures', () => {
  it('reads the flow-control window and the time to Beijing midnight', () => {
    expect(flowControlWaitMs('触发分钟级流控Permits:1')).toBe(60_000);
    expect(untilBeijingMidnight(Date.parse('2024-05-01T15:59:00Z'))).toBe(60_000);
    expect(untilBeijingMidnight(Date.parse('2024-05-01T16:00:00Z'))).toBe(DAY_MS);
  });

  it('retries what never left, calls a timeout or a lost connection unknown', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(classifyFailure(refused)).toMatchObject({ outcome: 'retry', reason: 'network: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)' });
    expect(classifyFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toMatchObject({ outcome: 'unknown', reason: expect.stringMatching(/^no reply in time/) });
    const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(classifyFailure(reset)).toMatchObject({ outcome: 'unknown', reason: 'the connection failed during the call: other side closed' });
    expect(classifyFailure(new TypeError('Failed to parse URL from nope/'))).toMatchObject({ outcome: 'failed', code: 'config' });
  });
});
