/**
 * The order state machine. Platforms send snapshots, not events, so an order may skip states
 * (paid → completed); what it may never do is go back, or leave a final state.
 */
import type { CanonicalOrder } from '../order/index.ts';

export type OrderStatus = CanonicalOrder['status'];

const RANK: Record<OrderStatus, number> = {
  pending_payment: 0,
  paid: 1,
  partially_shipped: 2,
  shipped: 3,
  completed: 4,
  cancelled: 5,
};

export type Transition = { legal: true } | { legal: false; reason: string };

/**
 * @example
 * checkTransition('paid', 'shipped')      // { legal: true }
 * checkTransition('cancelled', 'paid')    // { legal: false, reason: 'cancelled is final: it cannot become paid' }
 */
export function checkTransition(from: OrderStatus, to: OrderStatus): Transition {
  if (from === to) return { legal: true };
  if (from === 'cancelled' || from === 'completed') return { legal: false, reason: `${from} is final: it cannot become ${to}` };
  if (to === 'cancelled') return { legal: true };
  if (RANK[to] > RANK[from]) return { legal: true };
  return { legal: false, reason: `${from} cannot go back to ${to}` };
}

/** Whether the order's goods are still to leave a warehouse (stock held for it). */
export function awaitsShipment(order: Pick<CanonicalOrder, 'status'>): boolean {
  return order.status === 'paid' || order.status === 'partially_shipped';
}

/** Whether the goods have left (reservations are consumed). */
export function hasShipped(order: Pick<CanonicalOrder, 'status'>): boolean {
  return order.status === 'shipped' || order.status === 'completed';
}
