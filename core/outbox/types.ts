/**
 * The contract between the delivery engine and the adapters (ERP, WMS, carriers, bots, channel
 * stock). Adapters classify, the engine retries: an adapter never loops, sleeps or rate-limits.
 */
import type { CanonicalOrder } from '../order/index.ts';

export interface Delivery {
  tenant: string;
  id: string;
  target: string;
  kind: string;
  /** Deterministic: the same order always owes the same key; targets dedupe on it. */
  idempotencyKey: string;
  orderId: string | null;
  /** The reference the pipeline queued (order, parcel, channel stock number …). */
  payload: Record<string, unknown>;
  /** The order as it is now (for deliveries of an order): the body is built at send time. */
  order?: CanonicalOrder & { extraLines?: CanonicalOrder['lines'] };
  attempts: number;
  createdAt: string;
}

/** What happened to one call; request and response come back with personal data masked. */
export type SendOutcome =
  /**
   * `documentCode`: the number the hub gave the document in the target (what its callbacks name);
   * `externalRef`: the target's own number for it (an SF waybill, an ERP id). Both are kept on the delivery.
   */
  | { outcome: 'delivered'; request?: unknown; response?: unknown; documentCode?: string; externalRef?: string }
  /**
   * Worth trying again later: network, timeout before sending, 5xx, 429, "system busy".
   * `pauseTarget` says the whole target is blocked (a ban window): nothing more goes to it
   * until `afterMs` has passed.
   */
  | { outcome: 'retry'; reason: string; afterMs?: number; pauseTarget?: boolean; request?: unknown; response?: unknown }
  /** The target said no for good (validation, business rule): straight to the dead letters. */
  | { outcome: 'failed'; reason: string; code?: string; request?: unknown; response?: unknown }
  /** The call may or may not have taken effect (a timeout after sending). */
  | { outcome: 'unknown'; reason: string; request?: unknown };

export interface Adapter {
  send(delivery: Delivery): Promise<SendOutcome>;
  /**
   * After an ambiguous call: does the target already hold this document? Without it, an
   * unknown delivery is re-sent only when `idempotent` (the target itself drops repeats of a
   * key); otherwise it waits for a person.
   */
  lookup?(delivery: Delivery): Promise<'exists' | 'absent'>;
  /** The target drops a repeated idempotency key by itself. */
  idempotent?: boolean;
  /** The target's documented limits; hub.yaml may override them. */
  limits?: TargetLimits;
  /**
   * Several deliveries as one call, for a target whose pace cannot keep up with them one by one
   * (a chat robot takes 20 messages a minute): when more are due than its window lets out, the
   * engine sends them in digests of at most `max`, each digest's outcome standing for all of
   * its deliveries. Nothing is dropped to keep the pace.
   */
  digest?: { max: number; send(deliveries: Delivery[]): Promise<SendOutcome> };
}

export interface TargetLimits {
  /** At most this many calls per `perMs` (spaced evenly, so no window of `perMs` sees more). */
  calls?: number;
  perMs?: number;
  /** Calls in flight at once. */
  concurrency?: number;
}
