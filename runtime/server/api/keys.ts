/**
 * API keys: `hub_<id>_<secret>`. Only a SHA-256 of the secret is stored (the secret is 256
 * random bits, so a slow hash adds nothing); each key belongs to one tenant and has one role.
 */
import { newId } from '../../../core/ids.ts';
import type { Store } from '../../../core/store/port.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer reads; operator also replays, releases and adjusts; admin also reveals personal data and manages keys. */
export const roleAllows = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export interface ApiCaller {
  tenant: string;
  keyId: string;
  name: string;
  role: Role;
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (text: string) => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Creates a key and returns it whole: this is the only time its secret is seen. */
export async function createApiKey(store: Store, input: { tenant: string; name: string; role: Role }, now = new Date()): Promise<{ id: string; key: string }> {
  if (!ROLES.includes(input.role)) throw new Error(`role must be one of ${ROLES.join(', ')}, not "${input.role}"`);
  const id = newId('key', now.getTime()).slice(4).toLowerCase();
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  await store.batch([
    {
      sql: 'INSERT INTO api_keys (tenant, id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      args: [input.tenant, id, input.name, input.role, await sha256(secret), now.toISOString()],
    },
  ]);
  return { id, key: `hub_${id}_${secret}` };
}

export async function listApiKeys(store: Store, tenant: string) {
  return store.query('SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_keys WHERE tenant = ? ORDER BY id', [tenant]);
}

export async function revokeApiKey(store: Store, tenant: string, id: string, now = new Date()): Promise<boolean> {
  const [changed] = await store.batch([{ sql: 'UPDATE api_keys SET revoked_at = ? WHERE tenant = ? AND id = ? AND revoked_at IS NULL', args: [now.toISOString(), tenant, id] }]);
  return changed === 1;
}

const KEY = /^hub_([0-9a-z]{22})_([A-Za-z0-9_-]{43})$/;
const lastTouched = new Map<string, number>();

/** The caller behind an `Authorization: Bearer hub_…` header, or null for a missing, unknown, wrong or revoked key. */
export async function authenticate(store: Store, authorization: string | undefined, now = new Date()): Promise<ApiCaller | null> {
  const match = KEY.exec(/^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '');
  if (!match) return null;
  const [, id, secret] = match as unknown as [string, string, string];
  const [row] = await store.query('SELECT tenant, name, role, secret_hash, revoked_at FROM api_keys WHERE id = ?', [id]);
  if (!row || row.revoked_at !== null || !sameText(String(row.secret_hash), await sha256(secret))) return null;
  // Kept to a write a minute per key: reads must not turn into writes.
  if (now.getTime() - (lastTouched.get(id) ?? 0) > 60_000) {
    lastTouched.set(id, now.getTime());
    await store.batch([{ sql: 'UPDATE api_keys SET last_used_at = ? WHERE id = ?', args: [now.toISOString(), id] }]);
  }
  return { tenant: String(row.tenant), keyId: id, name: String(row.name), role: String(row.role) as Role };
}
