/**
 * One signed Aliyun RPC call (SendSms, QuerySendDetails): the common parameters, the signature,
 * and the request as fetch takes it. GET puts everything in the query; POST (the default, as
 * `@alicloud/pop-core` sends with `method: 'POST'`) sends the same encoded pairs as an
 * `application/x-www-form-urlencoded` body to `{endpoint}/`.
 *
 * @example
 * const call = await buildRpcCall('https://dysmsapi.aliyuncs.com', 'SendSms', { PhoneNumbers: '13812345678', … }, options);
 * await fetch(call.url, call.init);
 */
import { aliyunTimestamp, canonicalizedQuery, percentEncode, signAliyunRpc, type RpcMethod } from './sign.ts';

/** The Dysmsapi version this adapter speaks. */
export const SMS_API_VERSION = '2017-05-25';

export interface RpcOptions {
  accessKeyId: string;
  accessKeySecret: string;
  method: RpcMethod;
  /** Epoch ms, for `Timestamp`. */
  now: number;
  /** `SignatureNonce`: unique per call. */
  nonce: string;
  regionId?: string;
  version?: string;
}

export interface RpcCall {
  url: string;
  init: { method: RpcMethod; headers?: Record<string, string>; body?: string };
  /** Every parameter sent, `Signature` included. */
  params: Record<string, string>;
}

export async function buildRpcCall(endpoint: string, action: string, actionParams: Record<string, string>, options: RpcOptions): Promise<RpcCall> {
  const params: Record<string, string> = {
    ...actionParams,
    AccessKeyId: options.accessKeyId,
    Action: action,
    Format: 'JSON',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: options.nonce,
    SignatureVersion: '1.0',
    Timestamp: aliyunTimestamp(options.now),
    Version: options.version ?? SMS_API_VERSION,
    ...(options.regionId ? { RegionId: options.regionId } : {}),
  };
  const signature = await signAliyunRpc(params, options.method, options.accessKeySecret);
  const encoded = `${canonicalizedQuery(params)}&Signature=${percentEncode(signature)}`;
  const base = `${endpoint.replace(/\/+$/, '')}/`;
  const signed = { ...params, Signature: signature };
  if (options.method === 'GET') return { url: `${base}?${encoded}`, init: { method: 'GET' }, params: signed };
  return { url: base, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encoded }, params: signed };
}
