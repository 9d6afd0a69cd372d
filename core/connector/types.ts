/**
 * The contract every channel connector implements (one folder per channel under connectors/).
 * Connectors speak the platform's protocol and hand raw platform orders to the pipeline; only
 * mappings make canonical orders. They never retry, sleep or rate-limit: they classify, and the
 * engine (pollers, delivery engine) paces and retries.
 */
import type { SendOutcome, TargetLimits } from '../outbox/types.ts';

/** One shop of a channel, from hub.yaml (secrets already resolved from the environment). */
export interface ShopConfig {
  channel: string;
  shop: string;
  /** The platform's API base URL: production, the platform's sandbox, or the simulator. */
  baseUrl: string;
  /** Everything else the connector needs (app key and secret, session / access token …). */
  [key: string]: unknown;
}

export interface ConnectorDeps {
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
}

/** A modified-time window to pull, and where a previous call stopped inside it. */
export interface PullRequest {
  /** ISO-8601 with offset. */
  from: string;
  to: string;
  /** Opaque, from the previous page's `next`; absent on the first page. */
  cursor?: string;
  /**
   * Set by a sweep: of these listed orders, the ones the store already holds at that modified
   * time or later. A connector that fetches orders one by one after listing them skips those.
   */
  known?: (listed: Array<{ externalId: string; modifiedMs: number }>) => Promise<Set<string>>;
}

export type PullPage =
  | {
      ok: true;
      /** Raw platform orders, each the input of the channel's mapping (details fetched where the list is partial). */
      orders: unknown[];
      /** Where to continue; null when the window is done. */
      next: string | null;
    }
  | { ok: false; outcome: Extract<SendOutcome, { outcome: 'retry' | 'failed' }> };

/** An incoming push, as the HTTP route received it. */
export interface PushRequest {
  method: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The raw body, byte for byte as received (signatures are over it). */
  body: string;
}

export interface PushResult {
  /** What to answer the platform, in its expected format. */
  response: { status: number; headers?: Record<string, string>; body: string };
  /** Set when the push was refused (bad or stale signature, malformed): logged, never the secret. */
  rejected?: string;
  /** The platform's message id, to drop replays of one message. */
  messageIds?: string[];
  /** What the push carried: whole orders, or hints to fetch an order by id. */
  items: Array<{ kind: 'order'; payload: unknown } | { kind: 'fetch'; externalId: string } | { kind: 'after-sale'; externalId: string; type: 'cancel' | 'refund'; lineIds?: string[]; at: string }>;
}

export interface Connector {
  channel: string;
  /** The platform's documented call limits for this shop / app. */
  limits: TargetLimits;
  /** One page of orders modified in a window. */
  pull?(request: PullRequest): Promise<PullPage>;
  /** One order by its platform id (after a push that only carries the id). */
  fetchOrder?(externalId: string): Promise<{ ok: true; order: unknown } | { ok: false; outcome: Extract<SendOutcome, { outcome: 'retry' | 'failed' }> }>;
  /** Verifies and parses a push; answers in the platform's format. */
  receive?(request: PushRequest): Promise<PushResult>;
  /** Tells the channel how many of a SKU it may sell (through the delivery engine's outbox). */
  updateStock?(item: { sku: string; available: number; channelSkuId?: string }): Promise<SendOutcome>;
  /** The state of the shop's credentials, for people and alerts: never a secret or token. */
  health?(): CredentialHealth;
  /** What the platform meters per day (Douyin: receiver decryption), for /shops/health. */
  readonly quota?: { decrypt?: DecryptUsage };
}

/** A token that is due, expired or failing to refresh needs a person before orders stop coming. */
export function credentialsNeedAttention(health: CredentialHealth): boolean {
  return health.token.state === 'expired' || health.token.state === 'refresh-due' || health.token.consecutiveRefreshFailures > 0;
}

/** A day's use of a metered decryption service. */
export interface DecryptUsage {
  /** The platform's day (Beijing date, yyyy-MM-dd). */
  day: string;
  calls: number;
  /** Calls allowed per day, where the merchant set it; null otherwise. */
  limit: number | null;
  /** No more today: the limit was reached or the platform refused for quota. */
  exhausted: boolean;
  /** Orders kept masked today because of it. */
  skippedOrders: number;
  lastError?: string;
}

export interface CredentialHealth {
  token: {
    /** none: never fetched; refresh-due: inside the refresh margin. */
    state: 'none' | 'valid' | 'refresh-due' | 'expired';
    expiresAt: string | null;
    lastRefreshAt: string | null;
    lastRefreshError: string | null;
    consecutiveRefreshFailures: number;
  };
}

export type ConnectorFactory = (shop: ShopConfig, deps: ConnectorDeps) => Connector;
