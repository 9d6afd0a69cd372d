/**
 * `hub sign <scheme>`: every signature the hub makes or checks, computed by the same code the
 * connectors and adapters use, printed with the exact text that was signed, so an integrator
 * can compare with the platform's own tool when a call is rejected.
 */
import { signStandardWebhook, verifyStandardWebhook } from '../connectors/webhook/index.ts';
import { signDingTalk } from '../adapters/im-dingtalk/sign.ts';
import { signYonyouToken } from '../adapters/erp-yonyou/sign.ts';
import { signAliyunRpc, stringToSign } from '../adapters/sms-aliyun/sign.ts';
import { javaUrlEncode, msgDigest } from '../adapters/carrier-sf/sign.ts';
import { callbackSign, querySign } from '../adapters/tracking-kuaidi100/sign.ts';
import { qimenSign, signSource } from '../adapters/wms-qimen/sign.ts';
import { signTop } from '../connectors/tmall/index.ts';
import { signJos } from '../connectors/jd/index.ts';
import { signDoudian, signDoudianPush } from '../connectors/douyin/index.ts';
import { signYouzanPush } from '../connectors/youzan/index.ts';

export interface Signer {
  /** The input object the scheme takes, for --help. */
  input: string;
  secret: string;
  sign(input: Record<string, unknown>, secret: string): Promise<{ sign: string; signed: string }>;
}

const text = (value: unknown, name: string): string => {
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`the input needs ${name} (a string)`);
  return String(value);
};

export const SIGNERS: Record<string, Signer> = {
  'standard-webhooks': {
    input: '{ id, timestamp, payload } (payload = the raw body)',
    secret: 'whsec_…',
    sign: (input, secret) => signStandardWebhook({ id: text(input.id, 'id'), timestamp: text(input.timestamp, 'timestamp'), payload: text(input.payload, 'payload') }, secret),
  },
  dingtalk: {
    input: '{ timestamp } (epoch milliseconds)',
    secret: 'the robot secret (SEC…)',
    sign: async (input, secret) => {
      const timestamp = Number(text(input.timestamp, 'timestamp'));
      return { sign: await signDingTalk(secret, timestamp), signed: `${timestamp}\n${secret}` };
    },
  },
  yonyou: {
    input: '{ appKey, timestamp } (timestamp in epoch milliseconds): the getAccessToken parameters; `sign` goes URL-encoded into `signature`',
    secret: 'the app secret',
    sign: async (input, secret) => signYonyouToken(secret, { appKey: text(input.appKey, 'appKey'), timestamp: text(input.timestamp, 'timestamp') }),
  },
  top: {
    input: 'all request parameters, flat strings, without sign; sign_method among them (md5, hmac, hmac-sha256); optional body (signed after the parameters, as Qimen does)',
    secret: 'the app secret',
    sign: async (input, secret) => {
      const { body, ...rest } = input as Record<string, string>;
      const params = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, text(v, k)]));
      const { sign, signed } = await signTop(params, secret, body === undefined ? undefined : String(body));
      return { sign, signed };
    },
  },
  jd: {
    input: 'the JOS system parameters, flat strings (360buy_param_json, access_token, app_key, method, timestamp, v …)',
    secret: 'the app secret',
    sign: async (input, secret) => {
      const params = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, text(v, k)]));
      const { sign, signed } = signJos(params, secret);
      return { sign, signed };
    },
  },
  doudian: {
    input: '{ app_key, method, param_json, timestamp, v, sign_method } (param_json an object, serialised by the platform rule, or a string)',
    secret: 'the app secret',
    sign: async (input, secret) => {
      const { sign, signed } = await signDoudian(input as never, secret);
      return { sign, signed };
    },
  },
  'doudian-push': {
    input: '{ app_key, body } (the raw push body)',
    secret: 'the app secret',
    sign: async (input, secret) => {
      const { sign, signed } = signDoudianPush({ app_key: text(input.app_key, 'app_key'), body: text(input.body, 'body') }, secret);
      return { sign, signed };
    },
  },
  'youzan-push': {
    input: '{ client_id, msg } (the raw msg field; or { client_id, body } for the Event-Sign header over the raw body)',
    secret: 'the client secret',
    sign: async (input, secret) => {
      const clientId = text(input.client_id, 'client_id');
      const { sign, signed } = input.body !== undefined ? signYouzanPush({ client_id: clientId, body: text(input.body, 'body') }, secret) : signYouzanPush({ client_id: clientId, msg: text(input.msg, 'msg') }, secret);
      return { sign, signed: signed + secret };
    },
  },
  qimen: {
    input: 'every query parameter of the call (method, app_key, timestamp, v, sign_method, customerId …), flat strings, without sign; optional body (the raw XML)',
    secret: 'the app secret',
    sign: async (input, secret) => {
      const { body = '', ...rest } = input as Record<string, string>;
      const params = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, text(v, k)]));
      return { sign: qimenSign(params, String(body), secret), signed: signSource(params, String(body), secret) };
    },
  },
  sf: {
    input: '{ msgData, timestamp } (msgData = the raw JSON string sent)',
    secret: 'the check word (校验码)',
    sign: async (input, secret) => {
      const msgData = text(input.msgData, 'msgData');
      const timestamp = text(input.timestamp, 'timestamp');
      return { sign: msgDigest(msgData, timestamp, secret), signed: javaUrlEncode(msgData + timestamp + secret) };
    },
  },
  kuaidi100: {
    input: '{ param, customer } for a query; { param } alone for a callback (then the secret is the salt)',
    secret: 'the key (or the callback salt)',
    sign: async (input, secret) => {
      const param = text(input.param, 'param');
      if (input.customer === undefined) return { sign: callbackSign(param, secret), signed: `${param}${secret}` };
      const customer = text(input.customer, 'customer');
      return { sign: querySign(param, secret, customer), signed: `${param}${secret}${customer}` };
    },
  },
  'aliyun-rpc': {
    input: 'every query parameter of the call, flat strings, without Signature, plus HTTPMethod',
    secret: 'the AccessKey secret',
    sign: async (input, secret) => {
      const { HTTPMethod = 'POST', ...rest } = input as Record<string, string>;
      const method = HTTPMethod === 'GET' ? 'GET' : 'POST';
      const params = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, text(v, k)]));
      return { sign: await signAliyunRpc(params, method, secret), signed: stringToSign(params, method) };
    },
  },
};

export function describeSigners(): string {
  return Object.entries(SIGNERS)
    .map(([name, s]) => `  ${name.padEnd(18)} input ${s.input}; secret: ${s.secret}`)
    .join('\n');
}

/** `hub verify`: an incoming push's headers and body against a secret. */
export async function verifyPush(scheme: string, request: { headers: Record<string, string>; body: string }, secret: string, nowSeconds: number): Promise<{ ok: boolean; reason?: string }> {
  if (scheme === 'standard-webhooks') {
    const verdict = await verifyStandardWebhook(Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])), request.body, [secret], nowSeconds);
    return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
  }
  throw new Error(`hub verify knows standard-webhooks (more schemes come with their channels); not ${scheme}`);
}
