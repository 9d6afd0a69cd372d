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
import { builtinMappingFile, loadMappingFile } from './mappings.ts';
import { openLibsqlStore } from './store/libsql.ts';

export const BUILTIN_CHANNELS = ['tmall', 'jd', 'douyin', 'youzan', 'pos', 'webhook'] as const;

/** POS uploads are a JSON sale or the sales CSV; tell them apart by the first character. */
function decodePos(raw: string): unknown[] {
  return /^\s*[[{]/.test(raw) ? decodeJson(raw) : parseSalesCsv(raw);
}

export async function loadChannels(config: HubConfig): Promise<Record<string, ChannelSetup>> {
  const channels: Record<string, ChannelSetup> = {};
  for (const channel of BUILTIN_CHANNELS) {
    const mapping = await loadMappingFile(builtinMappingFile(channel), { config });
    channels[channel] = channel === 'pos' ? { mapping, decode: decodePos } : { mapping };
  }
  return channels;
}

export function orderPolicy(config: HubConfig): OrderPolicy {
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
    addressKey,
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
  /** Each channel's mapping and decoder as the pipeline runs them. */
  channels: Record<string, ChannelSetup>;
  close(): Promise<void>;
}

export async function openHub(config: HubConfig, options: { url?: string; overrides?: Partial<PipelineConfig> } = {}): Promise<Hub> {
  const store = await openLibsqlStore({ url: options.url ?? config.database?.url ?? 'file:./data/hub.db' });
  const setup = await pipelineConfig(config, options.overrides);
  const pipeline = new Pipeline(store, setup);
  return {
    store,
    pipeline,
    channels: setup.channels,
    async close() {
      await pipeline.drain();
      await store.close();
    },
  };
}
