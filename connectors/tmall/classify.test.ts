import { describe, expect, it } from 'vitest';
import { banMs, classifyTop } from './classify.ts';

const answer = (body: unknown, status = 200) => ({ status, text: typeof body === 'string' ? body : JSON.stringify(body) });
const error = (e: Record<string, unknown>) => answer({ error_response: { ...e, request_id: 'rxn6gucwgtpv' } });

describe('classifyTop', () => {
  it('unwraps a success from its *_response root, keeping 19-digit ids exact', () => {
    const text = '{"trade_fullinfo_get_response":{"trade":{"tid":2938475610293847561,"payment":"147.90"},"request_id":"16m2ltv9vqkeo"}}';
    expect(classifyTop(answer(text))).toEqual({ kind: 'ok', body: { trade: { tid: '2938475610293847561', payment: '147.90' }, request_id: '16m2ltv9vqkeo' }, requestId: '16m2ltv9vqkeo' });
    // simplify=true: no root.
    expect(classifyTop(answer('{"trade":{"tid":1}}'))).toEqual({ kind: 'ok', body: { trade: { tid: 1 } } });
  });

  // Shapes as TOP sends them; the ban text as seen in public TOP clients' logs
  // ("<sub_code>accesscontrol.limited-by-app-api-access-count</sub_code><sub_msg>This ban will last for 2 more seconds</sub_msg>").
  it.each([
    [{ code: 7, msg: 'App Call Limited', sub_code: 'accesscontrol.limited-by-app-api-access-count', sub_msg: 'This ban will last for 2 more seconds' }, 2_000],
    [{ code: 7, msg: 'App Call Limited', sub_code: 'accesscontrol.limited-by-app-access-count', sub_msg: 'This ban will last for 71804 more seconds' }, 71_804_000],
    [{ code: 7, msg: 'App Call Limited' }, 60_000],
    [{ code: 15, msg: 'Remote service error', sub_code: 'isv.api-call-limited', sub_msg: 'This ban will last 9 more seconds' }, 9_000],
  ])('call limits are a retry of the whole app after the ban: %j', (e, afterMs) => {
    expect(classifyTop(error(e))).toMatchObject({ kind: 'retry', afterMs, pauseTarget: true });
  });

  it('reads the ban length with or without "for"', () => {
    expect(banMs('This ban will last 5 more seconds')).toBe(5_000);
    expect(banMs('This ban will last for 1 more second')).toBe(1_000);
    expect(banMs('App Call Limited')).toBeUndefined();
  });

  it('an expired or invalid session is a credential failure, with TOP\'s words kept', () => {
    expect(classifyTop(error({ code: 27, msg: 'Invalid session', sub_code: 'invalid-sessionkey', sub_msg: 'SessionKey非法' }))).toEqual({
      kind: 'failed',
      code: 'top_27:invalid-sessionkey',
      credential: true,
      reason: "the shop's TOP session is invalid or expired; the merchant must authorise the app again: TOP 27 Invalid session (invalid-sessionkey: SessionKey非法)",
    });
    expect(classifyTop(error({ code: 26, msg: 'Missing session' }))).toMatchObject({ kind: 'failed', credential: true });
    expect(classifyTop(error({ code: 27, msg: 'Invalid session:session-expired', sub_code: 'session-expired' }))).toMatchObject({ kind: 'failed', credential: true });
  });

  it('platform-side errors (isp.*) and 10 Service Currently Unavailable are retried', () => {
    for (const sub of ['isp.top-remote-unknown-error', 'isp.top-remote-connection-timeout', 'isp.remote-connection-error', 'isp.top-remote-service-unavailable']) {
      expect(classifyTop(error({ code: 15, msg: 'Remote service error', sub_code: sub }))).toMatchObject({ kind: 'retry', code: `top_15:${sub}` });
    }
    expect(classifyTop(error({ code: 10, msg: 'Service currently unavailable' }))).toMatchObject({ kind: 'retry' });
  });

  it('request errors fail: a missing trade (marked not found), a bad signature, permissions, a bad clock', () => {
    expect(classifyTop(error({ code: 15, msg: 'Remote service error', sub_code: 'isv.trade-not-exist', sub_msg: '交易订单不存在' }))).toMatchObject({ kind: 'failed', notFound: true, code: 'top_15:isv.trade-not-exist' });
    expect(classifyTop(error({ code: 25, msg: 'Invalid signature' }))).toMatchObject({ kind: 'failed', credential: true, code: 'top_25' });
    expect(classifyTop(error({ code: 11, msg: 'Insufficient isv permissions', sub_code: 'isv.permission-api-package-limit' }))).toMatchObject({ kind: 'failed', credential: true });
    expect(classifyTop(error({ code: 31, msg: 'Invalid timestamp' }))).toMatchObject({ kind: 'failed', reason: expect.stringContaining('Beijing time') });
    expect(classifyTop(error({ code: 41, msg: 'Invalid arguments', sub_code: 'isv.invalid-parameter' }))).toMatchObject({ kind: 'failed', code: 'top_41:isv.invalid-parameter' });
  });

  it('HTTP trouble: 5xx and non-JSON retried, 429 honours Retry-After, 404 hints at the gateway path', () => {
    expect(classifyTop({ status: 502, text: '<html>Bad Gateway</html>' })).toMatchObject({ kind: 'retry', code: 'http_502' });
    expect(classifyTop({ status: 200, text: '<html>busy</html>' })).toMatchObject({ kind: 'retry', code: 'not_json' });
    expect(classifyTop({ status: 429, text: '', retryAfter: '7' })).toMatchObject({ kind: 'retry', afterMs: 7_000, pauseTarget: true });
    expect(classifyTop({ status: 404, text: 'Not Found' })).toMatchObject({ kind: 'failed', reason: expect.stringContaining('/router/rest') });
  });
});
