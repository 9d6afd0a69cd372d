import { describe, expect, it } from 'vitest';
import { classifyOperation, classifyQuery, responseStatusOf, retryAfterMs } from './classify.ts';

// Answer shapes as Kingdee sends them (sources in README.md).
const SESSION_LOST = { Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: null, Message: '会话信息已丢失，请重新登录', DIndex: 0 }], SuccessEntitys: [], SuccessMessages: [], MsgCode: 1 } } };
const DUPLICATE = { Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: 'FBillNo', Message: '违反字段唯一性要求：编码唯一。[SO-tmall-1]在当前系统中已经被使用。', DIndex: 0 }], SuccessEntitys: [], SuccessMessages: [], MsgCode: 11 } } };
const SAVED = { Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: 100001, Number: 'SO-tmall-1', DIndex: 0 }], SuccessMessages: [], MsgCode: 0 }, Id: 100001, Number: 'SO-tmall-1', NeedReturnData: [{}] } };
const ok = (body: unknown) => ({ status: 200, text: JSON.stringify(body) });
const refused = (message: string, msgCode: number, fieldName: string | null = 'FMaterialId') => ok({ Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: fieldName, Message: message, DIndex: 0 }], SuccessEntitys: [], SuccessMessages: [], MsgCode: msgCode } } });

describe('classifying Kingdee answers', () => {
  it('reads success with the bill number and id', () => {
    expect(classifyOperation(ok(SAVED), 'SO-tmall-1')).toMatchObject({ kind: 'ok', number: 'SO-tmall-1', id: '100001' });
    // The documented example writes IsSuccess as a string.
    expect(classifyOperation(ok({ Result: { ResponseStatus: { IsSuccess: 'true' } } }), 'x').kind).toBe('ok');
  });

  it('sees a lost session in an HTTP 200 body, for operations and for queries', () => {
    expect(classifyOperation(ok(SESSION_LOST), 'x')).toMatchObject({ kind: 'session-lost', reason: 'Kingdee session lost: 会话信息已丢失，请重新登录' });
    expect(classifyQuery(ok([[SESSION_LOST]]))).toMatchObject({ kind: 'session-lost' });
    expect(responseStatusOf([[SESSION_LOST]])?.MsgCode).toBe(1);
  });

  it('takes a refused repeat of our bill number as the bill being there, and only for FBillNo', () => {
    expect(classifyOperation(ok(DUPLICATE), 'SO-tmall-1').kind).toBe('duplicate');
    const otherField = refused('违反字段唯一性要求：编码唯一。[C001]在当前系统中已经被使用。', 11, 'FNumber');
    expect(classifyOperation(otherField, 'SO-tmall-1').kind).toBe('failed');
  });

  it('fails for good on validation and business errors, with Kingdee\'s message verbatim', () => {
    expect(classifyOperation(refused('第1行物料编码“SP-9”不存在或未审核', 11), 'x')).toMatchObject({
      kind: 'failed',
      code: '11',
      reason: 'FMaterialId: 第1行物料编码“SP-9”不存在或未审核',
    });
    expect(classifyOperation(refused('没有保存权限', 2, null), 'x')).toMatchObject({ kind: 'failed', code: '2', reason: '没有保存权限' });
  });

  it('retries network control conflicts, the call limit, busy servers and deadlocks', () => {
    expect(classifyOperation(refused('单据正在被其他用户编辑', 13, null), 'x').kind).toBe('retry');
    expect(classifyOperation(refused('接口调用次数超出限制', 14, null), 'x')).toMatchObject({ kind: 'retry', afterMs: 60_000 });
    expect(classifyOperation(refused('系统繁忙，请稍后再试', 4, null), 'x').kind).toBe('retry');
    expect(classifyOperation(refused('事务(进程 ID 64)与另一个进程被死锁在锁资源上', 6, null), 'x').kind).toBe('retry');
    expect(classifyOperation(refused('将截断字符串或二进制数据', 6, null), 'x').kind).toBe('failed');
  });

  it('classifies HTTP failures: 5xx retry, 429 after its hint, 504 unknown, 404 a config error', () => {
    expect(classifyOperation({ status: 503, text: 'Service Unavailable' }, 'x')).toMatchObject({ kind: 'retry', reason: 'HTTP 503: Service Unavailable' });
    expect(classifyOperation({ status: 429, text: '', retryAfter: '7' }, 'x')).toMatchObject({ kind: 'retry', afterMs: 7000 });
    expect(classifyOperation({ status: 504, text: 'Gateway Timeout' }, 'x').kind).toBe('unknown');
    expect(classifyOperation({ status: 404, text: 'Not Found' }, 'x')).toMatchObject({ kind: 'failed', code: 'http_404' });
  });

  it('cannot tell from an unreadable 200: unknown, so the engine looks the bill up', () => {
    expect(classifyOperation({ status: 200, text: '<html>IIS</html>' }, 'x').kind).toBe('unknown');
    expect(classifyOperation({ status: 200, text: 'response_error:Object reference not set' }, 'x').kind).toBe('unknown');
  });

  it('reads query rows', () => {
    expect(classifyQuery(ok([['SO-1', 'C']]))).toEqual({ kind: 'rows', rows: [['SO-1', 'C']] });
    expect(classifyQuery(ok([]))).toEqual({ kind: 'rows', rows: [] });
    expect(classifyQuery(ok([[{ Result: { ResponseStatus: { IsSuccess: false, Errors: [{ FieldName: 'FBillNo1', Message: '字段不存在' }], MsgCode: 9 } } }]]))).toEqual({
      kind: 'error',
      reason: 'FBillNo1: 字段不存在',
    });
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Wed, 01 May 2024 10:00:30 GMT', Date.parse('2024-05-01T10:00:00Z'))).toBe(30_000);
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
