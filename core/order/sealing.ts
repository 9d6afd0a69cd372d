/**
 * Receiver name, phone and address are sealed at rest: AES-256-GCM (Web Crypto, so Workers too),
 * each value tagged with the id of the key that sealed it, so keys can rotate: the first key
 * seals, every key listed opens. A value that is not sealed (written before sealing was on)
 * opens as itself.
 *
 *   sealed:v1:<key id>:<iv, base64>:<ciphertext and tag, base64>
 *
 * @example
 * const sealer = await createSealer(parseDataKeys('k2026=…base64 32 bytes…'));
 * const doc = await sealer.sealOrder(order); // doc.receiver.phone === 'sealed:v1:k2026:…'
 */

const PREFIX = 'sealed:v1:';
/** The receiver fields that name a person or a place to find them. */
export const SEALED_RECEIVER_FIELDS = ['name', 'phone', 'address'] as const;

export class SealingError extends Error {
  override name = 'SealingError';
}

export interface DataKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** `HUB_DATA_KEYS`: `id=base64,id=base64…`, the sealing key first. Errors never echo a key. */
export function parseDataKeys(text: string): DataKey[] {
  const keys = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, i) => {
      const match = /^([A-Za-z0-9_-]{1,32})=([A-Za-z0-9+/_-]+={0,2})$/.exec(part);
      if (!match) throw new SealingError(`HUB_DATA_KEYS entry ${i + 1} must be <id>=<base64 of 32 bytes>`);
      const key = Uint8Array.from(atob(match[2]!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      if (key.length !== 32) throw new SealingError(`HUB_DATA_KEYS key "${match[1]}" is ${key.length} bytes; AES-256 needs 32`);
      return { id: match[1]!, key };
    });
  if (keys.length === 0) throw new SealingError('HUB_DATA_KEYS holds no key');
  return keys;
}

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

function b64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: spreading a whole raw payload into one call would overflow the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export interface Sealer {
  /** The key new values are sealed with. */
  keyId: string;
  seal(text: string): Promise<string>;
  open(text: string): Promise<string>;
  /** The document with its receiver's name, phone and address sealed (anything with a `receiver`). */
  sealOrder<T extends { receiver?: unknown }>(doc: T): Promise<T>;
  openOrder<T extends { receiver?: unknown }>(doc: T): Promise<T>;
}

export async function createSealer(keys: DataKey[]): Promise<Sealer> {
  const imported = new Map(
    await Promise.all(keys.map(async (k) => [k.id, await crypto.subtle.importKey('raw', k.key as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt'])] as const)),
  );
  const current = keys[0]!;
  const sealer: Sealer = {
    keyId: current.id,
    async seal(text) {
      if (isSealed(text)) return text;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, imported.get(current.id)!, new TextEncoder().encode(text)));
      return `${PREFIX}${current.id}:${b64(iv)}:${b64(sealed)}`;
    },
    async open(text) {
      if (!isSealed(text)) return text;
      const [keyId, iv, data] = text.slice(PREFIX.length).split(':');
      const key = imported.get(keyId ?? '');
      if (!key) throw new SealingError(`a value is sealed with key "${keyId}", which HUB_DATA_KEYS does not hold (it holds ${[...imported.keys()].join(', ')})`);
      try {
        return new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv!) }, key, unb64(data!)));
      } catch {
        throw new SealingError(`a value sealed with key "${keyId}" does not open with the key of that id in HUB_DATA_KEYS: the key is wrong`);
      }
    },
    sealOrder: (doc) => mapReceiver(doc, sealer.seal),
    openOrder: (doc) => mapReceiver(doc, sealer.open),
  };
  return sealer;
}

async function mapReceiver<T extends { receiver?: unknown }>(doc: T, fn: (text: string) => Promise<string>): Promise<T> {
  if (!doc.receiver || typeof doc.receiver !== 'object') return doc;
  const receiver: Record<string, unknown> = { ...(doc.receiver as Record<string, unknown>) };
  // Side by side: each Web Crypto call is a trip to the thread pool.
  await Promise.all(SEALED_RECEIVER_FIELDS.map(async (field) => typeof receiver[field] === 'string' && receiver[field] && (receiver[field] = await fn(receiver[field] as string))));
  return { ...doc, receiver } as T;
}
