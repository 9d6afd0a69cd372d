/**
 * hub.yaml `shops:` → connectors. Adding a channel is one folder under connectors/ and one
 * line in CONNECTORS.
 */
import type { ConnectorFactory, CredentialHealth } from '../core/connector/types.ts';
import { createWebhookConnector } from '../connectors/webhook/index.ts';
import { createPosConnector } from '../connectors/pos/index.ts';
import { createTmallConnector } from '../connectors/tmall/index.ts';
import { createJdConnector } from '../connectors/jd/index.ts';
import { createDouyinConnector } from '../connectors/douyin/index.ts';
import { createYouzanConnector } from '../connectors/youzan/index.ts';
import { CallPacer, pacedConnector } from './call-pacer.ts';
import { ConfigError, type HubConfig } from './config.ts';
import type { ShopBinding } from './intake.ts';

export const CONNECTORS: Record<string, ConnectorFactory> = {
  webhook: createWebhookConnector,
  pos: createPosConnector,
  tmall: createTmallConnector,
  taobao: createTmallConnector,
  jd: createJdConnector,
  douyin: createDouyinConnector,
  youzan: createYouzanConnector,
};

export function bindShops(config: HubConfig, deps: { fetch?: typeof fetch; now?: () => number } = {}): ShopBinding[] {
  const problems: string[] = [];
  const bindings: ShopBinding[] = [];
  const pacers = new Map<string, CallPacer>();
  for (const [i, entry] of config.shops.entries()) {
    const factory = CONNECTORS[entry.channel];
    if (!factory) {
      problems.push(`${config.file ?? 'hub.yaml'}: shops[${i}]: no connector for channel "${entry.channel}" (connectors: ${Object.keys(CONNECTORS).join(', ')})`);
      continue;
    }
    const now = deps.now ?? Date.now;
    const app = `${entry.channel}:${appOf(entry)}`;
    // The pacer takes the limits of the app's first shop: they are the app's, not the shop's.
    const connector = factory({ ...entry, baseUrl: entry.baseUrl ?? '' }, { fetch: (input, init) => pacers.get(app)!.fetch(input, init), now });
    if (!pacers.has(app)) pacers.set(app, new CallPacer(app, connector.limits, deps.fetch ?? fetch, now));
    const expiresAt = entry.tokenExpiresAt;
    if (!connector.health && expiresAt) connector.health = () => handIssuedTokenHealth(Date.parse(expiresAt), now());
    const pacer = pacers.get(app)!;
    bindings.push({ tenant: entry.tenant ?? 'default', channel: entry.channel, shop: entry.shop, connector: pacedConnector(connector, pacer), pacer });
  }
  if (problems.length) throw new ConfigError(problems);
  return bindings;
}

/** The platform app a shop calls as: its calls count against that app's limits. */
function appOf(entry: HubConfig['shops'][number]): string {
  for (const key of ['appKey', 'clientId'] as const) if (typeof entry[key] === 'string' || typeof entry[key] === 'number') return String(entry[key]);
  return entry.shop;
}

const WARN_AHEAD_MS = 3 * 24 * 3600_000;

/** A token the merchant authorised by hand: only its expiry is known, and renewing it takes a person. */
function handIssuedTokenHealth(expiresAt: number, now: number): CredentialHealth {
  const state = now >= expiresAt ? 'expired' : now >= expiresAt - WARN_AHEAD_MS ? 'refresh-due' : 'valid';
  return { token: { state, expiresAt: new Date(expiresAt).toISOString(), lastRefreshAt: null, lastRefreshError: null, consecutiveRefreshFailures: 0 } };
}
