import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SendOutcome } from '../../core/outbox/types.ts';
import { ALIYUN_SMS_LIMITS, createAliyunSmsAdapter, type AliyunSmsConfig } from './index.ts';
import { serverStringToSign } from './sandbox/server.ts';
import { ALL, CONFIRMED, MESSAGES, NAME, ORDER, PHONE, SHIPPED, delivery } from './test-fixtures.ts';

const KEY_ID = 'LTAI5tSandboxKey';
const SECRET = 'sandboxSecret0123456789abcdef';
const NOW = Date.parse('2024-05-01T02:00:00Z');

/** A stand-in fetch: records the call, answers from a script. */
function aliyun(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit; params: Record<string, string> }> = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const u = new URL(String(url));
    const params = Object.fromEntries(init?.method === 'POST' ? new URLSearchParams(String(init.body)) : u.searchParams);
    calls.push({ url: String(url), init: init ?? {}, params });
    return answer(String(url), init ?? {});
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const OK = () => json({ Message: 'OK', RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990', Code: 'OK', BizId: '900619746936498440^0' });
const base: AliyunSmsConfig = { baseUrl: 'https://dysmsapi.aliyuncs.com/', accessKeyId: KEY_ID, accessKeySecret: SECRET, signName: '茶小铺', messages: MESSAGES };
const adapterWith = (answer: (url: string, init: RequestInit) => Response | Promise<Response>, extra: Partial<AliyunSmsConfig> = {}) => {
  const r = aliyun(answer);
  let n = 0;
  return { ...r, adapter: createAliyunSmsAdapter({ ...base, ...extra }, { fetch: r.fetch, now: () => NOW, nonce: () => `nonce-${++n}` }) };
};
const outIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);
/** Every outcome the tests produce, to check that none holds the phone or the name in clear. */
const seen: SendOutcome[] = [];
const sendAndKeep = async (adapter: { send: (d: typeof CONFIRMED) => Promise<SendOutcome> }, d = CONFIRMED) => {
  const outcome = await adapter.send(d);
  seen.push(outcome);
  return outcome;
};

describe('the Aliyun SMS adapter', () => {
  it('posts a signed SendSms with the template, its variables and an OutId derived from the key', async () => {
    const { adapter, calls } = adapterWith(OK);
    const outcome = await sendAndKeep(adapter, SHIPPED);
    expect(outcome).toMatchObject({ outcome: 'delivered', response: { Code: 'OK', BizId: '900619746936498440^0' } });
    const [call] = calls;
    expect(call!.url).toBe('https://dysmsapi.aliyuncs.com/');
    expect(call!.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const { Signature, ...signed } = call!.params;
    expect(signed).toEqual({
      AccessKeyId: KEY_ID,
      Action: 'SendSms',
      Format: 'JSON',
      OutId: outIdOf(SHIPPED.idempotencyKey),
      PhoneNumbers: PHONE,
      RegionId: 'cn-hangzhou',
      SignName: '茶小铺',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: 'nonce-1',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_460002',
      TemplateParam: '{"order":"3791827364510","company":"顺丰速运","waybill":"SF1402918273645"}',
      Timestamp: '2024-05-01T02:00:00Z',
      Version: '2017-05-25',
    });
    // Checked independently: byte-wise encoding and node:crypto.
    expect(Signature).toBe(createHmac('sha1', `${SECRET}&`).update(serverStringToSign(call!.params, 'POST')).digest('base64'));
    // The attempt keeps the call without the signature, the phone masked, the variables readable.
    expect(outcome).toMatchObject({ request: { method: 'POST', url: base.baseUrl, action: 'SendSms', params: { PhoneNumbers: '138****5678', TemplateParam: { waybill: 'SF1402918273645' } } } });
    expect(JSON.stringify(outcome)).not.toContain(Signature!);
    expect(adapter.idempotent).toBe(false);
    expect(adapter.limits).toEqual(ALIYUN_SMS_LIMITS);
  });

  it('uses the same OutId on every attempt of a delivery, and GET when configured', async () => {
    const { adapter, calls } = adapterWith(OK, { method: 'GET', regionId: 'cn-shanghai' });
    await adapter.send(CONFIRMED);
    await adapter.send({ ...CONFIRMED, attempts: 3 });
    await adapter.send(SHIPPED);
    expect(calls.map((c) => c.params.OutId)).toEqual([outIdOf(CONFIRMED.idempotencyKey), outIdOf(CONFIRMED.idempotencyKey), outIdOf(SHIPPED.idempotencyKey)]);
    expect(calls[0]!.init.method).toBe('GET');
    expect(calls[0]!.url).toMatch(/^https:\/\/dysmsapi\.aliyuncs\.com\/\?AccessKeyId=/);
    expect(calls[0]!.params.RegionId).toBe('cn-shanghai');
    expect(calls[0]!.params.Signature).toBe(createHmac('sha1', `${SECRET}&`).update(serverStringToSign(calls[0]!.params, 'GET')).digest('base64'));
    expect(new Set(calls.map((c) => c.params.SignatureNonce)).size).toBe(3);
  });

  it('retries per-phone flow control after the named window, the account limits with the target paused', async () => {
    const limit = (Message: string) => () => json({ Message, RequestId: 'R', Code: 'isv.BUSINESS_LIMIT_CONTROL' });
    expect(await sendAndKeep(adapterWith(limit('触发分钟级流控Permits:1')).adapter)).toMatchObject({ outcome: 'retry', afterMs: 60_000 });
    expect(await sendAndKeep(adapterWith(limit('触发小时级流控Permits:5')).adapter)).toMatchObject({ outcome: 'retry', afterMs: 3600_000 });
    const daily = await sendAndKeep(adapterWith(limit('触发天级流控Permits:10')).adapter);
    expect(daily).toMatchObject({ outcome: 'retry', reason: 'isv.BUSINESS_LIMIT_CONTROL 触发天级流控Permits:10', afterMs: 24 * 3600_000 });
    expect(daily).not.toHaveProperty('pauseTarget');
    expect(await sendAndKeep(adapterWith(() => json({ Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' }, 400)).adapter)).toMatchObject({ outcome: 'retry', pauseTarget: true });
    expect(await sendAndKeep(adapterWith(() => json({ Code: 'isv.DAY_LIMIT_CONTROL', Message: '触发日发送限额' })).adapter)).toMatchObject({ outcome: 'retry', pauseTarget: true, afterMs: 14 * 3600_000 });
  });

  it('retries isp.SYSTEM_ERROR, 5xx and connections that never opened', async () => {
    expect(await sendAndKeep(adapterWith(() => json({ Code: 'isp.SYSTEM_ERROR', Message: 'isp.SYSTEM_ERROR' })).adapter)).toMatchObject({ outcome: 'retry' });
    expect(await sendAndKeep(adapterWith(() => new Response('<h1>502</h1>', { status: 502 })).adapter)).toMatchObject({ outcome: 'retry', reason: 'HTTP 502' });
    expect(await sendAndKeep(adapterWith(() => json({ Code: 'ServiceUnavailable', Message: 'temporary' }, 503)).adapter)).toMatchObject({ outcome: 'retry' });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(
      await sendAndKeep(
        adapterWith(() => {
          throw refused;
        }).adapter,
      ),
    ).toMatchObject({ outcome: 'retry', reason: 'network: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)' });
  });

  it("fails for good with Aliyun's code and message, the phone masked even where Aliyun quotes it", async () => {
    for (const [Code, Message, status] of [
      ['isv.MOBILE_NUMBER_ILLEGAL', '非法手机号', 200],
      ['isv.TEMPLATE_MISSING_PARAMETERS', '模板变量缺少对应参数值', 200],
      ['isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板', 200],
      ['isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名', 200],
      ['isv.DENY_IP_RANGE', 'IP地址所在的地区被禁用', 200],
      ['InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404],
    ] as const) {
      expect(await sendAndKeep(adapterWith(() => json({ Code, Message, RequestId: 'R' }, status)).adapter)).toMatchObject({ outcome: 'failed', code: Code, reason: Message });
    }
    // The gateway quotes its string to sign, with PhoneNumbers in it.
    const quoted = `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D${KEY_ID}%26Action%3DSendSms%26PhoneNumbers%3D%252B86${PHONE}%26SignName%3D…`;
    const outcome = await sendAndKeep(adapterWith(() => json({ Code: 'SignatureDoesNotMatch', Message: quoted, HostId: 'dysmsapi.aliyuncs.com' }, 400)).adapter);
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'SignatureDoesNotMatch', reason: expect.stringContaining('PhoneNumbers%3D%252B86138****5678') });
  });

  it('calls a timeout, a lost connection or a 200 without Aliyun\'s JSON unknown, and times out on its own', async () => {
    const hanging = (_: string, init: RequestInit) => new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    expect(await sendAndKeep(adapterWith(hanging, { timeoutMs: 20 }).adapter)).toMatchObject({ outcome: 'unknown', reason: expect.stringMatching(/^no reply in time/) });
    const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(
      await sendAndKeep(
        adapterWith(() => {
          throw reset;
        }).adapter,
      ),
    ).toMatchObject({ outcome: 'unknown' });
    expect(await sendAndKeep(adapterWith(() => new Response('<html>gateway</html>', { status: 200 })).adapter)).toMatchObject({ outcome: 'unknown' });
    expect(await sendAndKeep(adapterWith(() => json({ Code: 'SignatureNonceUsed', Message: 'Specified signature nonce was used already.' }, 400)).adapter)).toMatchObject({ outcome: 'unknown' });
  });

  it('skips, as delivered and without a call, channels that may not be texted, opted-out numbers and orders without a phone', async () => {
    const skipped = async (extra: Partial<AliyunSmsConfig>, d = CONFIRMED) => {
      const { adapter, calls } = adapterWith(OK, extra);
      const outcome = await sendAndKeep(adapter, d);
      expect(calls).toHaveLength(0);
      expect(outcome.outcome).toBe('delivered');
      return (outcome as { response: { skipped: string } }).response.skipped;
    };
    expect(await skipped({ allowedChannels: ['jd', 'youzan'] })).toBe('channel tmall does not allow texting its buyers (allowedChannels: jd, youzan)');
    expect(await skipped({ optedOut: ['+86 138 1234 5678'] })).toBe('138****5678 opted out of SMS');
    const asked: string[] = [];
    expect(await skipped({ isOptedOut: (phone) => (asked.push(phone), true) })).toBe('138****5678 opted out of SMS');
    expect(asked).toEqual([PHONE]);
    const { receiver: _r, ...inStore } = ORDER;
    expect(await skipped({}, { ...CONFIRMED, order: inStore })).toBe('the order has no receiver phone');
    // Allowed channel, number not opted out: sent.
    const { adapter, calls } = adapterWith(OK, { allowedChannels: ['tmall'], optedOut: ['13900000000'], isOptedOut: () => false });
    expect((await adapter.send(CONFIRMED)).outcome).toBe('delivered');
    expect(calls).toHaveLength(1);
  });

  it('fails without a call on a bad phone, a kind without a template, an empty variable or a missing order; retries a failed opt-out check', async () => {
    const local = async (extra: Partial<AliyunSmsConfig>, d = CONFIRMED) => {
      const { adapter, calls } = adapterWith(OK, extra);
      const outcome = await sendAndKeep(adapter, d);
      expect(calls).toHaveLength(0);
      return outcome;
    };
    expect(await local({}, { ...CONFIRMED, order: { ...ORDER, receiver: { ...ORDER.receiver!, phone: '0571-88886666' } } })).toMatchObject({ outcome: 'failed', code: 'phone', reason: 'the receiver phone 057******6666 is not a mainland mobile number' });
    expect(await local({}, delivery('sms.birthday'))).toMatchObject({ outcome: 'failed', code: 'config', reason: expect.stringContaining('no SMS template configured for sms.birthday') });
    expect(await local({}, delivery('sms.shipped', { carrier: 'sf' }))).toMatchObject({ outcome: 'failed', code: 'template', reason: 'template variable "waybill" of sms.shipped rendered empty' });
    const { order: _o, ...bare } = CONFIRMED;
    expect(await local({}, bare)).toMatchObject({ outcome: 'failed', code: 'order' });
    expect(
      await local({
        isOptedOut: (phone) => {
          throw new Error(`lookup of ${phone} failed`);
        },
      }),
    ).toMatchObject({ outcome: 'retry', reason: 'the opt-out check failed: lookup of 138****5678 failed' });
  });

  it('never lets the phone, the name or the secret into an outcome', () => {
    expect(seen.length).toBeGreaterThan(20);
    const recorded = JSON.stringify(seen);
    for (const secret of [PHONE, NAME, SECRET]) expect(recorded).not.toContain(secret);
    expect(recorded).toContain('138****5678');
  });
});

describe('lookup after an ambiguous call', () => {
  /** QuerySendDetails answers from records by SendDate; 50 to a page. */
  const detailsFor = (byDate: Record<string, Array<{ OutId?: string }>>) => (url: string, init: RequestInit) => {
    const p = Object.fromEntries(new URLSearchParams(String(init.body)));
    const all = byDate[p.SendDate!] ?? [];
    const page = Number(p.CurrentPage);
    const slice = all.slice((page - 1) * 50, page * 50).map((r) => ({ PhoneNum: PHONE, SendStatus: 3, ErrCode: 'DELIVERED', TemplateCode: 'SMS_460001', SendDate: '2024-05-01 10:00:00', ...r }));
    return json({ Code: 'OK', Message: 'OK', RequestId: 'R', TotalCount: all.length, SmsSendDetailDTOs: { SmsSendDetailDTO: slice } });
  };
  const others = (n: number) => Array.from({ length: n }, (_, i) => ({ OutId: `other-${i}` }));

  it("finds the delivery's OutId among the phone's messages of each day since it was queued, paging", async () => {
    const mine = outIdOf(CONFIRMED.idempotencyKey);
    const r = aliyun(detailsFor({ '20240501': others(3), '20240430': [...others(60), { OutId: mine }] }));
    const later = Date.parse('2024-05-01T03:00:00Z');
    const adapter = createAliyunSmsAdapter(base, { fetch: r.fetch, now: () => later });
    // Queued on 30 April (Beijing), looked up on 1 May.
    expect(await adapter.lookup!({ ...CONFIRMED, createdAt: '2024-04-30T01:00:00Z' })).toBe('exists');
    expect(r.calls.map((c) => [c.params.Action, c.params.SendDate, c.params.CurrentPage, c.params.PageSize, c.params.PhoneNumber])).toEqual([
      ['QuerySendDetails', '20240501', '1', '50', PHONE],
      ['QuerySendDetails', '20240430', '1', '50', PHONE],
      ['QuerySendDetails', '20240430', '2', '50', PHONE],
    ]);
    expect(r.calls[0]!.params.Signature).toBe(createHmac('sha1', `${SECRET}&`).update(serverStringToSign(r.calls[0]!.params, 'POST')).digest('base64'));
  });

  it('answers absent when no message carries the OutId, and absent without asking when nothing could have been sent', async () => {
    const r = aliyun(detailsFor({ '20240501': others(2) }));
    const adapter = createAliyunSmsAdapter(base, { fetch: r.fetch, now: () => NOW });
    expect(await adapter.lookup!(CONFIRMED)).toBe('absent');
    expect(r.calls).toHaveLength(1);
    const { receiver: _r, ...inStore } = ORDER;
    expect(await adapter.lookup!({ ...CONFIRMED, order: inStore })).toBe('absent');
    expect(r.calls).toHaveLength(1);
  });

  it('throws, without the phone in the message, when Aliyun cannot be asked or the delivery is past its 30 days', async () => {
    const failing = createAliyunSmsAdapter(base, { fetch: aliyun(() => json({ Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: `bad number ${PHONE}` })).fetch, now: () => NOW });
    await expect(failing.lookup!(CONFIRMED)).rejects.toThrow('QuerySendDetails: isv.MOBILE_NUMBER_ILLEGAL bad number 138****5678');
    const old = createAliyunSmsAdapter(base, { fetch: aliyun(() => json({})).fetch, now: () => Date.parse('2024-06-15T00:00:00Z') });
    await expect(old.lookup!(CONFIRMED)).rejects.toThrow(/reaches back 30 days/);
    for (const d of ALL) expect(d.order?.receiver?.phone).toBe(PHONE);
  });
});

describe('a message that cannot be encoded', () => {
  it('fails without a call instead of throwing', async () => {
    const r = aliyun(OK);
    // Template variables are safe (JSON.stringify escapes a lone surrogate); a configured value may not be.
    const adapter = createAliyunSmsAdapter({ ...base, signName: 'bad \ud800' }, { fetch: r.fetch, now: () => NOW });
    expect(await adapter.send(CONFIRMED)).toMatchObject({ outcome: 'failed', code: 'request', reason: 'the request could not be built: URI malformed' });
    expect(r.calls).toHaveLength(0);
  });
});
