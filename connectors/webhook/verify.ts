/**
 * Standard Webhooks (standardwebhooks.com): the signature is HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the secret's bytes (base64 after `whsec_`),
 * sent base64 in `webhook-signature` as space-separated `v1,<sig>` entries (several while a
 * secret rotates). Timestamps older or newer than five minutes are refused.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const TOLERANCE_SECONDS = 5 * 60;

function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  return Uint8Array.from(atob(raw), (c) => c.charCodeAt(0));
}

/**
 * @example
 * await signStandardWebhook({ id: 'msg_1', timestamp: '1714528800', payload: '{}' }, 'whsec_c2VjcmV0')
 * // { sign: 'v1,…base64…', signed: 'msg_1.1714528800.{}' }
 */
export async function signStandardWebhook(input: { id: string; timestamp: string; payload: string }, secret: string): Promise<{ sign: string; signed: string }> {
  const signed = `${input.id}.${input.timestamp}.${input.payload}`;
  // @noble/hashes, not Web Crypto: a webhook is small, and under load a trip to the thread pool
  // per request costs more than the hash.
  const mac = hmac(sha256, secretBytes(secret), new TextEncoder().encode(signed));
  return { sign: `v1,${btoa(String.fromCharCode(...mac))}`, signed };
}

export type Verdict = { ok: true; id: string } | { ok: false; reason: string };

export async function verifyStandardWebhook(
  headers: Record<string, string>,
  body: string,
  secrets: string[],
  nowSeconds: number,
): Promise<Verdict> {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp is not epoch seconds' };
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return { ok: false, reason: 'webhook-timestamp is more than 5 minutes away' };
  const offered = signatures.split(' ').filter((s) => s.startsWith('v1,'));
  for (const secret of secrets) {
    const { sign } = await signStandardWebhook({ id, timestamp, payload: body }, secret);
    if (offered.some((candidate) => constantTimeEqual(candidate, sign))) return { ok: true, id };
  }
  return { ok: false, reason: 'no webhook-signature matches' };
}

/** Compares without an early exit, so the time taken says nothing about where strings differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
