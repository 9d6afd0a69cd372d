/**
 * Exponential backoff with full jitter (a random wait between 0 and the exponential cap), so
 * retries of many deliveries do not arrive together; a target's own hint (Retry-After, a ban
 * window) is a floor.
 *
 * @example
 * retryDelay(3, { baseMs: 1000, capMs: 3_600_000 }, () => 0.5) // 4000
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export function retryDelay(attempts: number, policy: BackoffPolicy, random: () => number, hintMs = 0): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempts, 30));
  return Math.max(Math.floor(random() * ceiling), Math.min(hintMs, policy.capMs));
}
