/**
 * Available-to-sell per channel: what the locations serving the channel can still promise,
 * then the channel's allocation rule.
 */
import type { Level } from './levels.ts';

export type Allocation = { ratio: number } | { cap: number } | { keep: number };

export interface ChannelStockConfig {
  /** Locations that serve the channel; all when absent. */
  locations?: string[];
  allocation?: Allocation;
}

/**
 * @example
 * availableToSell([{ sku: 'A', location: 'SH', onHand: 10, reserved: 2, safety: 1 }], { allocation: { ratio: 0.5 } }) // 3
 */
export function availableToSell(levels: Level[], config: ChannelStockConfig): number {
  const base = levels
    .filter((l) => !config.locations || config.locations.includes(l.location))
    .reduce((sum, l) => sum + Math.max(0, l.onHand - l.reserved - l.safety), 0);
  const rule = config.allocation;
  if (!rule) return base;
  if ('ratio' in rule) return Math.floor(base * rule.ratio);
  if ('cap' in rule) return Math.min(base, rule.cap);
  return Math.max(0, base - rule.keep);
}
