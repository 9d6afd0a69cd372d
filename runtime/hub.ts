/**
 * The one place that wires the hub together on Node: hub.yaml, the built-in mappings, the
 * libsql store, routing and rules, into an ingest pipeline.
 */
import { Pipeline } from '../core/ingest/pipeline.ts';
import type { ChannelSetup, OrderPolicy, PipelineConfig } from '../core/ingest/types.ts';
import { decodeJson } from '../core/ingest/decode.ts';
import { routeOrder } from '../core/routing/index.ts';
import { addressKey, evaluateRules } from '../core/rules/index.ts';
import type { Store } from '../core/store/port.ts';
import { parseSalesCsv } from '../connectors/pos/csv.ts';
import type { HubConfig } from './config.ts';
import { dirname, resolve } from 'node:path';
import type { CompiledMapping } from '../core/mapping/index.ts';
import { builtinMappingFile, loadMappingFile } from './mappings.ts';
import { openLibsqlStore } from './store/libsql.ts';
import { openWorkerStore } from './store/worker-store.ts';
import { createSealer, SealingError, type DataKey, type Sealer } from '../core/order/sealing.ts';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export const BUILTIN_CHANNELS = ['tmall', 'jd', 'douyin', 'youzan', 'pos', 'webhook'] as const;

/** POS uploads are a JSON sale or the sales CSV; tell them apart by the first character. */
function decodePos(raw: string): unknown[] {
  return /^\s*[[{]/.test(raw) ? decodeJson(raw) : parseSalesCsv(raw);
}

/** The mapping file a channel runs: its own from hub.yaml's `mappings:`, else the built-in one. */
export function mappingFileOf(config: HubConfig, channel: string): string {
  const own = config.mappings?.[channel];
  return own ? resolve(dirname(config.file ?? 'hub.yaml'), own) : builtinMappingFile(channel);
}

/** A channel's setup with this mapping: POS payloads are JSON or the sales CSV. */
export function channelSetup(channel: string, mapping: CompiledMapping): ChannelSetup {
  return channel === 'pos' ? { mapping, decode: decodePos } : { mapping };
}

export async function loadChannels(config: HubConfig): Promise<Record<string, ChannelSetup>> {
  const channels: Record<string, ChannelSetup> = {};
  for (const channel of new Set([...BUILTIN_CHANNELS, ...Object.keys(config.mappings ?? {})])) {
    channels[channel] = channelSetup(channel, await loadMappingFile(mappingFileOf(config, channel), { config }));
  }
  return channels;
}

/** The key same-address keys are hashed with when receivers are sealed, derived from the sealing key. */
function addressIndexKey(keys: DataKey[]): Uint8Array {
  return sha256(new Uint8Array([...new TextEncoder().encode('order-hub address key\u0000'), ...keys[0]!.key]));
}

export function orderPolicy(config: HubConfig, addressIndex?: Uint8Array): OrderPolicy {
  const rulesConfig = { rules: config.rules, ...(config.priority ? { priority: config.priority } : {}) };
  const windows = config.rules.flatMap((r) => ('withinMinutes' in r && typeof r.withinMinutes === 'number' ? [r.withinMinutes] : []));
  const routing = config.routing;
  return {
    route: routing
      ? (order, stock, items) => routeOrder(order, stock, routing, items)
      : (order) => ({
          shipments: [],
          unrouted: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity, reason: 'no routing: configured in hub.yaml' })),
          explanation: ['hub.yaml has no routing: section, so no location can be chosen'],
          rule: null,
        }),
    rules: (order, context) => evaluateRules(order, context, rulesConfig),
    // With receivers sealed, the same-address key must not spell the address out: a keyed hash keeps it comparable.
    addressKey: addressIndex ? (receiver) => bytesToHex(hmac(sha256, addressIndex, new TextEncoder().encode(addressKey(receiver)))) : addressKey,
    lookbackMinutes: Math.max(1, ...windows),
  };
}

export async function pipelineConfig(config: HubConfig, overrides: Partial<PipelineConfig> = {}): Promise<PipelineConfig> {
  return {
    channels: await loadChannels(config),
    policy: orderPolicy(config),
    stock: config.stock,
    deliveries: config.deliveries,
    ...overrides,
  };
}

export interface Hub {
  store: Store;
  pipeline: Pipeline;
  /** Seals and opens receivers at rest (HUB_DATA_KEYS); absent when no key is given. */
  sealer?: Sealer;
  /** Each channel's mapping and decoder as the pipeline runs them. */
  channels: Record<string, ChannelSetup>;
  close(): Promise<void>;
}

/**
 * Refuses a key that cannot open what the database holds, now rather than at the first order
 * that needs it; and a database with sealed data but no key at all. Each key that seals leaves a
 * probe (seal_probes), so this reads a handful of rows whatever the size of the database.
 */
async function checkDataKeys(store: Store, sealer: Sealer | undefined): Promise<void> {
  const probes = await store.query('SELECT key_id, probe FROM seal_probes ORDER BY created_at');
  if (!sealer) {
    if (probes.length) throw new SealingError(`the database holds values sealed with ${probes.map((p) => `"${p.key_id}"`).join(', ')}: set HUB_DATA_KEYS to the keys that sealed them`);
    return;
  }
  for (const probe of probes) {
    if ((await sealer.open(String(probe.probe))) !== PROBE) throw new SealingError(`the probe of key "${probe.key_id}" opens to something else: the key is wrong`);
  }
  if (!probes.some((p) => p.key_id === sealer.keyId)) {
    await store.batch([{ sql: 'INSERT INTO seal_probes (key_id, probe, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', args: [sealer.keyId, await sealer.seal(PROBE), new Date().toISOString()] }]);
  }
}

const PROBE = 'order-hub seal probe';

export async function openHub(config: HubConfig, options: { url?: string; overrides?: Partial<PipelineConfig>; dataKeys?: DataKey[]; storeThread?: boolean } = {}): Promise<Hub> {
  const url = options.url ?? config.database?.url ?? 'file:./data/hub.db';
  // A server keeps a file database on its own thread: a commit's fsync must not stop the HTTP server.
  const store = options.storeThread && url.startsWith('file:') ? await openWorkerStore({ url }) : await openLibsqlStore({ url });
  const sealer = options.dataKeys ? await createSealer(options.dataKeys) : undefined;
  try {
    await checkDataKeys(store, sealer);
  } catch (error) {
    await store.close();
    throw error;
  }
  const setup = await pipelineConfig(config, { ...(sealer ? { sealer, policy: orderPolicy(config, addressIndexKey(options.dataKeys!)) } : {}), ...options.overrides });
  const pipeline = new Pipeline(store, setup);
  return {
    store,
    pipeline,
    ...(sealer ? { sealer } : {}),
    channels: setup.channels,
    async close() {
      await pipeline.drain();
      await store.close();
    },
  };
}
