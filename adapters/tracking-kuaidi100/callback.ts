/**
 * Kuaidi100's subscription callback (推送): for every change of a subscribed number Kuaidi100
 * POSTs `application/x-www-form-urlencoded` with
 *
 * - `param`: the JSON text `{"status":"polling","billstatus":"","message":"","autoCheck":"0",
 *   "comOld":"","comNew":"","lastResult":{"message":"ok","nu":"…","ischeck":"0","com":"shunfeng",
 *   "status":"200","state":"0","condition":"…","data":[{"time":"…","ftime":"…","context":"…",…}]}}`
 *   (lastResult is the whole track, newest node first);
 * - `sign`: `MD5(param + salt)` in upper-case hex, the salt being the one given at subscription.
 *
 * It expects `{"result":true,"returnCode":"200","message":"成功"}`; anything else (or no answer)
 * and it pushes again later. `status` is the monitoring state: `polling`, `shutdown` (signed
 * for: the last push), `abort` (gave up, e.g. 3 days without any record or 60 days without a
 * change: subscribe again after checking company and number), `updateall` (a full re-push).
 *
 * The signature covers the `param` text exactly as received, so it is checked before any JSON
 * parsing, and compared in constant time. A callback without a sign is refused: this hub always
 * subscribes with a salt.
 *
 * @example
 * const result = verifyAndParseCallback(rawBody, { salt: process.env.KUAIDI100_SALT! });
 * if (result.ok) await store(result.waybillNo, result.state, result.nodes);
 * return reply(result.reply); // {"result":true,"returnCode":"200","message":"成功"}
 */
import { callbackSign, safeEqual } from './sign.ts';

/** lastResult.state: the parcel's state. */
export const STATES: Record<string, string> = {
  '0': 'in_transit', // 在途
  '1': 'collected', // 揽收
  '2': 'problem', // 疑难
  '3': 'delivered', // 签收
  '4': 'returned_and_signed', // 退签
  '5': 'out_for_delivery', // 派件
  '6': 'returning', // 退回
  '7': 'transferred', // 转投
  '8': 'customs', // 清关
  '14': 'refused', // 拒签
};

export interface CallbackNode {
  /** Beijing time as Kuaidi100 sends it (ftime, else time). */
  time: string;
  /** The same as ISO-8601 with +08:00, when it parses. */
  at?: string;
  context: string;
  status?: string;
  statusCode?: string;
  areaCode?: string;
  areaName?: string;
}

export interface CallbackReply {
  status: number;
  contentType: string;
  body: string;
}

export type CallbackResult =
  | {
      ok: true;
      /** polling, shutdown, abort, updateall. */
      monitor: string;
      message: string;
      waybillNo: string;
      company: string;
      /** lastResult.state (0 在途, 1 揽收, 3 签收 …) and what it means. */
      state: string;
      stage: string;
      /** ischeck === '1'. */
      signed: boolean;
      /** Kuaidi100 corrected the company code: comOld → comNew. */
      correction?: { from: string; to: string };
      nodes: CallbackNode[];
      reply: CallbackReply;
    }
  | { ok: false; status: 400 | 401; reason: string; reply: CallbackReply };

export type CallbackInput = string | URLSearchParams | { param?: string | null; sign?: string | null };

export function callbackReply(ok: boolean, message?: string): CallbackReply {
  const body = ok ? { result: true, returnCode: '200', message: message ?? '成功' } : { result: false, returnCode: '500', message: message ?? '失败' };
  return { status: 200, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(body) };
}

export function verifyAndParseCallback(input: CallbackInput, options: { salt: string }): CallbackResult {
  if (!options.salt) throw new Error('Kuaidi100 callback: a salt is required (the one given at subscription)');
  const refuse = (status: 400 | 401, reason: string): CallbackResult => ({ ok: false, status, reason, reply: { ...callbackReply(false, reason), status } });
  const fields = typeof input === 'string' ? new URLSearchParams(input) : input instanceof URLSearchParams ? input : undefined;
  const param = fields ? fields.get('param') : (input as { param?: string | null }).param;
  const sign = fields ? fields.get('sign') : (input as { sign?: string | null }).sign;
  if (!param) return refuse(400, 'no param');
  if (!sign) return refuse(401, 'no sign');
  // Kuaidi100 sends upper case; a lower-case sign of the same digest is the same signature.
  if (!safeEqual(sign.toUpperCase(), callbackSign(param, options.salt))) return refuse(401, 'sign does not match MD5(param + salt)');

  let body: {
    status?: unknown;
    message?: unknown;
    autoCheck?: unknown;
    comOld?: unknown;
    comNew?: unknown;
    lastResult?: { nu?: unknown; com?: unknown; state?: unknown; ischeck?: unknown; data?: unknown } | null;
  };
  try {
    body = JSON.parse(param) as typeof body;
  } catch {
    return refuse(400, 'param is not JSON');
  }
  const last = body?.lastResult;
  if (!last || typeof last.nu !== 'string' || !last.nu) return refuse(400, 'param has no lastResult.nu');
  const state = last.state === undefined || last.state === null ? '' : String(last.state);
  const nodes = (Array.isArray(last.data) ? (last.data as Array<Record<string, unknown>>) : []).map((d): CallbackNode => {
    const time = String(d.ftime ?? d.time ?? '');
    const at = beijingToIso(time);
    const text = (key: string) => (d[key] === undefined || d[key] === null || d[key] === '' ? undefined : String(d[key]));
    const status = text('status');
    const statusCode = text('statusCode');
    const areaCode = text('areaCode');
    const areaName = text('areaName');
    return {
      time,
      ...(at ? { at } : {}),
      context: String(d.context ?? ''),
      ...(status ? { status } : {}),
      ...(statusCode ? { statusCode } : {}),
      ...(areaCode ? { areaCode } : {}),
      ...(areaName ? { areaName } : {}),
    };
  });
  const comOld = typeof body.comOld === 'string' ? body.comOld : '';
  const comNew = typeof body.comNew === 'string' ? body.comNew : '';
  return {
    ok: true,
    monitor: String(body.status ?? ''),
    message: String(body.message ?? ''),
    waybillNo: last.nu,
    company: String(last.com ?? ''),
    state,
    stage: STATES[state] ?? 'unknown',
    signed: String(last.ischeck ?? '') === '1',
    ...(comNew && comOld && comNew !== comOld ? { correction: { from: comOld, to: comNew } } : {}),
    nodes,
    reply: callbackReply(true),
  };
}

/** 2024-05-21 09:30:00 (Beijing) → 2024-05-21T09:30:00+08:00. */
function beijingToIso(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  return match ? `${match[1]}T${match[2]}+08:00` : undefined;
}
