/** What one rule did to one order; `evaluateRules` gathers them into the outcome. */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { fenToYuan } from '../order/money.ts';
import type { OrderLine, RuleContext } from './types.ts';

export interface Effect {
  fired: boolean;
  /** Why it fired or not, for the explanation. */
  why: string;
  hold?: string;
  lines?: OrderLine[];
  tags?: string[];
  holdUntil?: string;
  mergeWith?: string[];
  /** The order is presale (for the priority factor). */
  presale?: boolean;
}

/** What every rule reads. */
export interface Facts {
  order: CanonicalOrder;
  context: RuleContext;
  nowMs: number;
  /** The order's creation time; windows are measured from it. */
  createdMs: number;
}

export const fired = (why: string, effect: Omit<Effect, 'fired' | 'why'> = {}): Effect => ({ fired: true, why, ...effect });
export const notFired = (why: string): Effect => ({ fired: false, why });
export const yuan = (fen: number): string => `¥${fenToYuan(fen)}`;
export const list = (items: Iterable<string>): string => `[${[...items].join(', ')}]`;
