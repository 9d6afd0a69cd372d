/**
 * Receiver decryption, only when the shop's config says `decrypt: true`.
 *
 * Since 2021-08 Doudian sends the receiver encrypted (`encrypt_post_receiver` "##…#1##",
 * `encrypt_post_tel` "$$…$1$$", `post_addr.encrypt_detail`) beside masked copies
 * (`mask_post_receiver`, `mask_post_tel`, `mask_post_addr`). Without decryption the ciphertext and
 * the masks pass through untouched and mappings/douyin.yaml reads the masks. With it, one
 * `order.batchDecrypt` call per 50 ciphertexts (official Go SDK
 * `api/order_batchDecrypt/request`: `{"cipher_infos":[{"auth_id":"<shop order id>","cipher_text":"…"}]}`,
 * "最大支持一次解密50条"; answer `data.decrypt_infos[{auth_id, cipher_text, decrypt_text, err_no,
 * err_msg, data_type, is_virtual_tel, …}]` and `data.custom_err{err_code, err_msg}`) writes the
 * plaintext where the mapping looks first: `post_receiver`, `post_tel`, `post_addr.detail`. The
 * ciphertext stays beside it.
 *
 * Decryption is metered by the platform per shop and day (resets 00:00 Beijing time; the size is
 * the best paid-order day of the last 7 days × a coefficient). The connector counts its own use
 * in `quota` (calls, ciphertexts, orders, per Beijing day) and, with `decryptDailyLimit`, stops
 * calling when that many batchDecrypt calls were made today. When the limit is reached, or the
 * platform refuses for quota, orders pass through masked and `quota.skippedOrders` counts them.
 * A throttled or unanswered call makes the whole page a retry; a refused token fails it.
 */
import type { DecryptUsage } from '../../core/connector/types.ts';
import type { CallResult, DoudianClient } from './client.ts';

export const CIPHERS_PER_CALL = 50;

export interface DecryptQuota extends DecryptUsage {
  /** The Beijing date the counts are for (yyyy-MM-dd). */
  day: string;
  /** batchDecrypt calls made today (each one counts, answered or not). */
  calls: number;
  ciphertexts: number;
  /** Distinct shop orders sent for decryption today. */
  orders: number;
  /** `decryptDailyLimit`: batchDecrypt calls allowed per day; null without one. */
  limit: number | null;
  /** No more calls today: the limit was reached or the platform refused for quota. */
  exhausted: boolean;
  /** Orders passed through masked today because of it. */
  skippedOrders: number;
  /** The last refusal, verbatim (never a secret). */
  lastError?: string;
}

export class DecryptQuotaCounter {
  private state: DecryptQuota;
  private readonly seen = new Set<string>();

  constructor(
    private readonly limit: number | null,
    private readonly now: () => number,
  ) {
    this.state = this.fresh();
  }

  get snapshot(): DecryptQuota {
    this.roll();
    return { ...this.state };
  }

  /** May one more call be made today? */
  available(): boolean {
    this.roll();
    if (this.state.exhausted) return false;
    if (this.limit !== null && this.state.calls >= this.limit) {
      this.state.exhausted = true;
      return false;
    }
    return true;
  }

  record(ciphertexts: number, orderIds: Iterable<string>): void {
    this.roll();
    this.state.calls++;
    this.state.ciphertexts += ciphertexts;
    for (const id of orderIds) {
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      this.state.orders++;
    }
  }

  skipped(orders: number, reason?: string): void {
    this.roll();
    this.state.skippedOrders += orders;
    if (reason) this.state.lastError = reason;
  }

  exhaust(reason: string): void {
    this.roll();
    this.state.exhausted = true;
    this.state.lastError = reason;
  }

  private roll(): void {
    const day = beijingDay(this.now());
    if (day !== this.state.day) {
      this.state = this.fresh();
      this.seen.clear();
    }
  }

  private fresh(): DecryptQuota {
    return { day: beijingDay(this.now()), calls: 0, ciphertexts: 0, orders: 0, limit: this.limit, exhausted: false, skippedOrders: 0 };
  }
}

/** yyyy-MM-dd in UTC+8 (China has no daylight saving). */
export function beijingDay(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

interface Target {
  order: Record<string, unknown>;
  authId: string;
  cipher: string;
  write: (plain: string) => void;
}

/** The ciphertexts of a shop order whose plaintext is not there yet. */
function targetsOf(order: Record<string, unknown>): Target[] {
  const authId = typeof order.order_id === 'string' || typeof order.order_id === 'number' ? String(order.order_id) : '';
  if (!authId) return [];
  const out: Target[] = [];
  const add = (cipher: unknown, has: unknown, write: (plain: string) => void) => {
    if (typeof cipher === 'string' && cipher && !(typeof has === 'string' && has)) out.push({ order, authId, cipher, write });
  };
  add(order.encrypt_post_receiver, order.post_receiver, (p) => (order.post_receiver = p));
  add(order.encrypt_post_tel, order.post_tel, (p) => (order.post_tel = p));
  const addr = order.post_addr;
  if (addr && typeof addr === 'object' && !Array.isArray(addr)) {
    const a = addr as Record<string, unknown>;
    add(a.encrypt_detail, a.detail, (p) => (a.detail = p));
  }
  return out;
}

const QUOTA_TEXT = /额度|配额|quota|解密.*(?:上限|次数|超)/i;

export type DecryptResult = { ok: true } | { ok: false; verdict: Extract<CallResult, { kind: 'retry' | 'failed' }> | { kind: 'retry'; code: string; reason: string } };

/** Decrypts the receivers of `orders` in place (best effort, within the quota). */
export async function decryptReceivers(client: DoudianClient, orders: Array<Record<string, unknown>>, quota: DecryptQuotaCounter): Promise<DecryptResult> {
  const targets = orders.flatMap(targetsOf);
  for (let i = 0; i < targets.length; i += CIPHERS_PER_CALL) {
    const batch = targets.slice(i, i + CIPHERS_PER_CALL);
    if (!quota.available()) {
      const rest = new Set(targets.slice(i).map((t) => t.authId));
      quota.skipped(rest.size);
      return { ok: true };
    }
    const orderIds = new Set(batch.map((t) => t.authId));
    quota.record(batch.length, orderIds);
    const result = await client.call('order.batchDecrypt', { cipher_infos: batch.map((t) => ({ auth_id: t.authId, cipher_text: t.cipher })) });
    if (result.kind === 'no-answer') return { ok: false, verdict: { kind: 'retry', code: 'no-answer', reason: `order.batchDecrypt: ${result.reason}` } };
    if (result.kind === 'retry') return { ok: false, verdict: result };
    if (result.kind === 'failed') {
      if (result.credential) return { ok: false, verdict: result };
      const rest = new Set(targets.slice(i).map((t) => t.authId));
      if (QUOTA_TEXT.test(result.reason)) quota.exhaust(result.reason);
      quota.skipped(rest.size, result.reason);
      // Not a reason to hold the orders back: they go on with the masked receiver.
      return { ok: true };
    }
    const data = (result.data ?? {}) as { decrypt_infos?: Array<Record<string, unknown>>; custom_err?: { err_code?: number | string; err_msg?: string } | null };
    const infos = Array.isArray(data.decrypt_infos) ? data.decrypt_infos : [];
    let decrypted = 0;
    for (const target of batch) {
      const info = infos.find((d) => String(d.auth_id) === target.authId && d.cipher_text === target.cipher);
      if (info && Number(info.err_no ?? 0) === 0 && typeof info.decrypt_text === 'string' && info.decrypt_text) {
        target.write(info.decrypt_text);
        decrypted++;
      }
    }
    const customErr = data.custom_err && Number(data.custom_err.err_code ?? 0) !== 0 ? `batchDecrypt custom_err ${data.custom_err.err_code} ${data.custom_err.err_msg ?? ''}`.trim() : undefined;
    const itemErr = infos.find((d) => Number(d.err_no ?? 0) !== 0);
    const reason = customErr ?? (itemErr ? `batchDecrypt err_no ${itemErr.err_no} ${String(itemErr.err_msg ?? '')}`.trim() : undefined);
    if (reason && QUOTA_TEXT.test(reason)) quota.exhaust(reason);
    if (decrypted < batch.length) quota.skipped(new Set(batch.filter((t) => !t.order.post_receiver).map((t) => t.authId)).size, reason);
  }
  return { ok: true };
}
