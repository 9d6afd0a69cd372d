/**
 * hub.yaml `targets:` → adapters. Each target names its adapter folder; the rest of its entry is
 * that adapter's config (files it names, like outbound mappings, are read here, relative to
 * hub.yaml). Adding a target kind is one folder and one line in ADAPTERS.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Adapter } from '../core/outbox/types.ts';
import { createKingdeeAdapter, type KingdeeConfig } from '../adapters/erp-kingdee/index.ts';
import { createYonyouAdapter, type YonyouConfig } from '../adapters/erp-yonyou/index.ts';
import { createDingTalkAdapter, type DingTalkConfig } from '../adapters/im-dingtalk/index.ts';
import { createWeComAdapter, type WeComConfig } from '../adapters/im-wecom/index.ts';
import { createHttpWebhookAdapter, type HttpWebhookConfig } from '../adapters/http-webhook/index.ts';
import { createAliyunSmsAdapter, type AliyunSmsConfig } from '../adapters/sms-aliyun/index.ts';
import { createSfAdapter, type SfConfig } from '../adapters/carrier-sf/index.ts';
import { createKuaidi100Adapter, type Kuaidi100Config } from '../adapters/tracking-kuaidi100/index.ts';
import { createQimenAdapter, type QimenConfig } from '../adapters/wms-qimen/index.ts';
import type { Store } from '../core/store/port.ts';
import { channelStockAdapters } from './channel-stock.ts';
import { ConfigError, type HubConfig, type TargetConfig } from './config.ts';
import type { ShopBinding } from './intake.ts';

type Factory = (config: TargetConfig, context: { baseDir: string; fetch: typeof fetch }) => Promise<Adapter>;

const ADAPTERS: Record<string, Factory> = {
  'erp-kingdee': async (config, { baseDir, fetch }) =>
    createKingdeeAdapter({ ...(config as unknown as KingdeeConfig), mappings: await readMappings<KingdeeConfig['mappings']>(config, baseDir) }, { fetch }),
  'erp-yonyou': async (config, { baseDir, fetch }) => createYonyouAdapter({ ...(config as unknown as YonyouConfig), mappings: await readMappings<YonyouConfig['mappings']>(config, baseDir) }, { fetch }),
  'im-dingtalk': async (config, { fetch }) => createDingTalkAdapter(config as unknown as DingTalkConfig, { fetch }),
  'im-wecom': async (config, { fetch }) => createWeComAdapter(config as unknown as WeComConfig, { fetch }),
  'http-webhook': async (config, { fetch }) => createHttpWebhookAdapter(config as unknown as HttpWebhookConfig, { fetch }),
  'sms-aliyun': async (config, { fetch }) => createAliyunSmsAdapter(config as unknown as AliyunSmsConfig, { fetch }),
  'carrier-sf': async (config, { baseDir, fetch }) => {
    const file = typeof config.mapping === 'string' ? config.mapping : 'adapters/carrier-sf/create-order.yaml';
    return createSfAdapter({ ...(config as unknown as SfConfig), mapping: { text: await readFile(resolve(baseDir, file), 'utf8'), file } }, { fetch });
  },
  'wms-qimen': async (config, { baseDir, fetch }) => {
    const file = typeof config.mapping === 'string' ? config.mapping : 'adapters/wms-qimen/delivery-order.yaml';
    return createQimenAdapter({ ...(config as unknown as QimenConfig), mapping: { text: await readFile(resolve(baseDir, file), 'utf8'), file } }, { fetch });
  },
  'tracking-kuaidi100': async (config, { fetch }) => createKuaidi100Adapter(config as unknown as Kuaidi100Config, { fetch }),
};

/** A target's `mappings: { document: file }`, each read relative to hub.yaml. */
async function readMappings<T>(config: TargetConfig, baseDir: string): Promise<T> {
  const files = (config.mappings ?? {}) as Record<string, string>;
  const mappings: Record<string, { text: string; file: string }> = {};
  for (const [name, file] of Object.entries(files)) mappings[name] = { text: await readFile(resolve(baseDir, file), 'utf8'), file };
  return mappings as T;
}

export async function loadTargets(config: HubConfig, deps: { fetch?: typeof fetch } = {}): Promise<Record<string, Adapter>> {
  const baseDir = config.file ? dirname(resolve(config.file)) : process.cwd();
  const adapters: Record<string, Adapter> = {};
  const problems: string[] = [];
  for (const [name, target] of Object.entries(config.targets)) {
    const factory = ADAPTERS[target.adapter];
    if (!factory) {
      problems.push(`${config.file ?? 'hub.yaml'}: targets.${name}: unknown adapter "${target.adapter}" (adapters: ${Object.keys(ADAPTERS).join(', ')})`);
      continue;
    }
    try {
      const adapter = await factory(target, { baseDir, fetch: deps.fetch ?? fetch });
      adapters[name] = target.limits ? { ...adapter, limits: { ...adapter.limits, ...target.limits } } : adapter;
    } catch (e) {
      // Adapter errors name the config field; they never echo secret values.
      problems.push(`${config.file ?? 'hub.yaml'}: targets.${name}: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return adapters;
}

/** hub.yaml's `delivery:` section as the dispatcher's options. */
export function dispatcherOptions(cfg: HubConfig) {
  const d = cfg.delivery ?? {};
  return {
    ...(d.maxAttempts ? { maxAttempts: d.maxAttempts } : {}),
    ...(d.maxAgeHours ? { maxAgeMs: d.maxAgeHours * 3600_000 } : {}),
    ...(d.concurrency ? { concurrency: d.concurrency } : {}),
    ...(cfg.notices?.deadLetters ? { deadLetterNotice: { target: cfg.notices.deadLetters } } : {}),
  };
}

/**
 * Everything the dispatcher sends to: each channel's stock push-back through its shops, and the
 * targets of hub.yaml (a target named like a channel wins).
 */
export async function deliveryAdapters(config: HubConfig, store: Store, shops: ShopBinding[]): Promise<Record<string, Adapter>> {
  return { ...channelStockAdapters(store, shops), ...(await loadTargets(config)) };
}
