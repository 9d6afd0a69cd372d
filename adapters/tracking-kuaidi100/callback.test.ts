import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callbackReply, verifyAndParseCallback } from './callback.ts';

const SALT = 'salt-9f2c';
const sign = (param: string, salt = SALT) => createHash('md5').update(param + salt, 'utf8').digest('hex').toUpperCase();
const track = (state: string, status = 'polling', extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    status,
    billstatus: 'got',
    message: '',
    autoCheck: '0',
    comOld: '',
    comNew: '',
    ...extra,
    lastResult: {
      message: 'ok',
      state,
      status: '200',
      condition: 'F00',
      ischeck: state === '3' ? '1' : '0',
      com: 'shunfeng',
      nu: 'SF1440000000001',
      data: [
        { context: '[杭州市]快件已签收，签收人：本人', time: '2024-05-22 10:00:00', ftime: '2024-05-22 10:00:00', status: '签收', statusCode: '301', areaCode: '330100000000', areaName: '浙江,杭州市' },
        { context: '顺丰速运 已收取快件', time: '2024-05-20 18:00:00', ftime: '2024-05-20 18:00:00', status: '揽收', areaCode: null, areaName: null },
      ],
    },
  });
const form = (param: string, s: string) => new URLSearchParams({ param, sign: s }).toString();

describe('Kuaidi100 callbacks', () => {
  it('verify MD5(param + salt) over the param as received, and parse the track', () => {
    const param = track('3', 'shutdown');
    expect(verifyAndParseCallback(form(param, sign(param)), { salt: SALT })).toEqual({
      ok: true,
      monitor: 'shutdown',
      message: '',
      waybillNo: 'SF1440000000001',
      company: 'shunfeng',
      state: '3',
      stage: 'delivered',
      signed: true,
      nodes: [
        { time: '2024-05-22 10:00:00', at: '2024-05-22T10:00:00+08:00', context: '[杭州市]快件已签收，签收人：本人', status: '签收', statusCode: '301', areaCode: '330100000000', areaName: '浙江,杭州市' },
        { time: '2024-05-20 18:00:00', at: '2024-05-20T18:00:00+08:00', context: '顺丰速运 已收取快件', status: '揽收' },
      ],
      reply: { status: 200, contentType: 'application/json;charset=UTF-8', body: '{"result":true,"returnCode":"200","message":"成功"}' },
    });
  });

  it('take the form as text, as URLSearchParams or as fields, and a lower-case sign of the same digest', () => {
    const param = track('1');
    expect(verifyAndParseCallback(new URLSearchParams({ param, sign: sign(param) }), { salt: SALT })).toMatchObject({ ok: true, stage: 'collected', signed: false });
    expect(verifyAndParseCallback({ param, sign: sign(param).toLowerCase() }, { salt: SALT })).toMatchObject({ ok: true });
    // A + in the JSON arrives form-encoded as %2B and is signed decoded.
    const plus = track('0', 'polling', { message: 'a+b c' });
    expect(verifyAndParseCallback(form(plus, sign(plus)), { salt: SALT })).toMatchObject({ ok: true, message: 'a+b c' });
  });

  it('refuse a wrong salt, a missing sign, a tampered param; answer so that a real push comes again', () => {
    const param = track('1');
    const refused = { ok: false, status: 401, reply: { status: 401, body: expect.stringContaining('"result":false,"returnCode":"500"') } };
    expect(verifyAndParseCallback(form(param, sign(param, 'other-salt')), { salt: SALT })).toMatchObject({ ...refused, reason: 'sign does not match MD5(param + salt)' });
    expect(verifyAndParseCallback(new URLSearchParams({ param }).toString(), { salt: SALT })).toMatchObject({ ...refused, reason: 'no sign' });
    expect(verifyAndParseCallback(form(param.replace('"state":"1"', '"state":"3"'), sign(param)), { salt: SALT })).toMatchObject(refused);
    // A re-serialised param (spaces, key order) is not what was signed.
    expect(verifyAndParseCallback(form(JSON.stringify(JSON.parse(param), null, 1), sign(param)), { salt: SALT })).toMatchObject(refused);
    expect(() => verifyAndParseCallback(form(param, sign(param)), { salt: '' })).toThrow(/salt is required/);
  });

  it('refuse what is signed but not a track', () => {
    expect(verifyAndParseCallback('sign=ABC', { salt: SALT })).toMatchObject({ ok: false, status: 400, reason: 'no param' });
    expect(verifyAndParseCallback(form('not json', sign('not json')), { salt: SALT })).toMatchObject({ ok: false, status: 400, reason: 'param is not JSON' });
    const noTrack = JSON.stringify({ status: 'abort', message: '3天查询无记录', lastResult: null });
    expect(verifyAndParseCallback(form(noTrack, sign(noTrack)), { salt: SALT })).toMatchObject({ ok: false, status: 400, reason: 'param has no lastResult.nu' });
  });

  it('report a company Kuaidi100 corrected, and an aborted watch', () => {
    const param = track('0', 'abort', { message: '60天无变化', autoCheck: '1', comOld: 'yuantong', comNew: 'shunfeng' });
    expect(verifyAndParseCallback(form(param, sign(param)), { salt: SALT })).toMatchObject({ ok: true, monitor: 'abort', message: '60天无变化', correction: { from: 'yuantong', to: 'shunfeng' } });
  });

  it('build the failure reply for a callback that could not be stored', () => {
    expect(callbackReply(false, 'db down')).toEqual({ status: 200, contentType: 'application/json;charset=UTF-8', body: '{"result":false,"returnCode":"500","message":"db down"}' });
  });
});
