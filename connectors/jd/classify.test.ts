import { describe, expect, it } from 'vitest';
import { classifyApiResult, classifyJos, parseJosJson, responseKey, untilBeijingMidnight } from './classify.ts';

const NOW = Date.parse('2024-06-01T20:00:00+08:00');
const answer = (text: string, status = 200) => ({ status, text });
const error = (code: string, zh: string, en?: string) => answer(JSON.stringify({ error_response: { code, zh_desc: zh, ...(en ? { en_desc: en } : {}) } }));

describe('classifyJos', () => {
  it("reads the success envelope under JD's spelling `_responce`", () => {
    const text = '{"jingdong_pop_order_search_responce":{"code":"0","searchorderinfo_result":{"orderTotal":0,"orderInfoList":[]}}}';
    expect(responseKey('jingdong.pop.order.search')).toBe('jingdong_pop_order_search_responce');
    expect(classifyJos(answer(text), 'jingdong.pop.order.search', NOW)).toEqual({ kind: 'ok', result: { code: '0', searchorderinfo_result: { orderTotal: 0, orderInfoList: [] } } });
  });

  it('a body with neither the envelope nor error_response is a failure, not a success', () => {
    expect(classifyJos(answer('{"jingdong_pop_order_search_response":{"code":"0"}}'), 'jingdong.pop.order.search', NOW)).toMatchObject({ kind: 'failed', code: 'envelope' });
  });

  it("code 2 App Call Limited waits until JD's next day (00:00 Beijing) and pauses the whole app", () => {
    const verdict = classifyJos(error('2', '限制时间内调用失败次数', 'App Call Limited'), 'jingdong.pop.order.search', NOW);
    expect(verdict).toMatchObject({ kind: 'retry', code: '2', afterMs: 4 * 3600_000, pauseTarget: true });
    expect(verdict.kind === 'retry' && verdict.reason).toContain('限制时间内调用失败次数 (App Call Limited)');
  });

  it.each([
    ['1', '服务不可用'],
    ['43', '系统处理错误'],
    ['65', '平台连接后端服务超时'],
    ['66', '平台连接后端服务不可用'],
    ['67', '平台连接后端服务处理过程中出现未知异常信息'],
  ])('gateway code %s (%s) is retried', (code, zh) => {
    expect(classifyJos(error(code, zh), 'jingdong.pop.order.get', NOW)).toMatchObject({ kind: 'retry', code });
  });

  it('an unknown code whose text says the system is busy is retried, any other fails', () => {
    expect(classifyJos(error('9999', '系统繁忙，请稍后再试'), 'm', NOW)).toMatchObject({ kind: 'retry', code: '9999' });
    expect(classifyJos(error('61', '参数[page_size]值不合法，请参照帮助文档确认！'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'jos-61' });
  });

  it('an invalid or expired access_token (19) fails with a credential reason; so do app key and signature errors', () => {
    const token = classifyJos(error('19', '无效access_token', 'Invalid access_token'), 'm', NOW);
    expect(token).toMatchObject({ kind: 'failed', code: 'credential' });
    expect(token.kind === 'failed' && token.reason).toMatch(/access_token.*authorise the app again/);
    expect(classifyJos(error('18', '缺少access_token参数'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'credential' });
    expect(classifyJos(error('21', '无效app_key'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'credential' });
    expect(classifyJos(error('12', '无效签名', 'Invalid Signature'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'credential', reason: expect.stringContaining('app secret') });
    expect(classifyJos(error('8', '非法的时间戳参数'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'clock' });
    expect(classifyJos(error('73', '该api是增值api，请将您的app入住云鼎平台方可调用'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'permission' });
  });

  it('accepts an error_response without en_desc', () => {
    expect(classifyJos(answer('{"error_response":{"code":"15","zh_desc":"不存在的方法名"}}'), 'm', NOW)).toEqual({ kind: 'failed', code: 'jos-15', reason: 'JD 15 不存在的方法名' });
  });

  it('HTTP 5xx and 429 are retried (Retry-After honoured), other HTTP errors fail, a 200 that is not JSON is retried', () => {
    expect(classifyJos({ status: 502, text: '<html>502 Bad Gateway</html>' }, 'm', NOW)).toMatchObject({ kind: 'retry', code: 'http-502' });
    expect(classifyJos({ status: 429, text: '', retryAfter: '30' }, 'm', NOW)).toMatchObject({ kind: 'retry', afterMs: 30_000 });
    expect(classifyJos({ status: 403, text: 'Forbidden' }, 'm', NOW)).toMatchObject({ kind: 'failed', code: 'http-403' });
    expect(classifyJos(answer('<html>维护中</html>'), 'm', NOW)).toMatchObject({ kind: 'retry', code: 'not-json' });
  });

  it("a non-zero code inside the envelope fails, unless it says 'busy'", () => {
    expect(classifyJos(answer('{"m_responce":{"code":"1","msg":"库存数量不合法"}}'), 'm', NOW)).toMatchObject({ kind: 'failed', code: 'jos-1' });
    expect(classifyJos(answer('{"m_responce":{"code":"500","msg":"系统繁忙"}}'), 'm', NOW)).toMatchObject({ kind: 'retry' });
  });
});

describe('classifyApiResult', () => {
  it('passes success and absence, and reads a refusal', () => {
    expect(classifyApiResult({ success: true, englishErrCode: 'success', chineseErrCode: '成功', numberCode: 10100000 }, 'x')).toBeNull();
    expect(classifyApiResult(undefined, 'x')).toBeNull();
    expect(classifyApiResult({ success: false, chineseErrCode: '订单不存在', englishErrCode: 'order not exist', numberCode: 10200001 }, 'get')).toEqual({ kind: 'failed', code: 'jos-10200001', reason: 'JD get: 订单不存在 / order not exist' });
    expect(classifyApiResult({ success: false, chineseErrCode: '系统繁忙' }, 'x')).toMatchObject({ kind: 'retry' });
    expect(classifyApiResult({ isSuccess: false, ChineseErrCode: '无数据' }, 'fbp')).toMatchObject({ kind: 'failed', reason: 'JD fbp: 无数据' });
  });
});

describe('parseJosJson', () => {
  it('keeps Long ids past 2^53 exact, as their digits', () => {
    const parsed = parseJosJson('{"tradeOrderId":9007199254740993,"idSopShipmenttype":67,"price":"19.90","x":1.5}') as Record<string, unknown>;
    expect(parsed).toEqual({ tradeOrderId: '9007199254740993', idSopShipmenttype: 67, price: '19.90', x: 1.5 });
  });
});

describe('untilBeijingMidnight', () => {
  it('counts to the next 00:00 in UTC+8', () => {
    expect(untilBeijingMidnight(Date.parse('2024-06-01T23:59:00+08:00'))).toBe(60_000);
    expect(untilBeijingMidnight(Date.parse('2024-06-01T00:00:00+08:00'))).toBe(86_400_000);
    expect(untilBeijingMidnight(Date.parse('2024-06-01T15:30:00Z'))).toBe(30 * 60_000);
  });
});
