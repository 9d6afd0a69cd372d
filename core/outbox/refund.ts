/**
 * What a reversing document (a red receivable, a red voucher) maps besides the order: the
 * pipeline queues it with the refunded lines and the idempotency key of the document it
 * reverses (`payload.refundedLines`, `payload.reverses`); the adapter turns that key into the
 * original's number in the target, so the two stay linked.
 */
import type { Delivery } from './types.ts';

export interface RefundInput {
  lines: Array<{ lineId: string; sku: string; quantity: number; unitPrice?: number; amount: number }>;
  /** The refunded lines' amounts, in fen. */
  amount: number;
  /** The reversed document's number in the target; null when the delivery names none. */
  original: string | null;
}

/** `{ refund }` for a reversing delivery, `{}` for any other. */
export async function refundInput(delivery: Delivery, originalOf: (reversedKey: string) => Promise<string>): Promise<{ refund?: RefundInput }> {
  const lines = delivery.payload.refundedLines;
  if (!Array.isArray(lines)) return {};
  const amount = (lines as RefundInput['lines']).reduce((n, l) => n + (Number.isSafeInteger(l.amount) ? l.amount : 0), 0);
  const reverses = typeof delivery.payload.reverses === 'string' ? delivery.payload.reverses : null;
  return { refund: { lines: lines as RefundInput['lines'], amount, original: reverses ? await originalOf(reverses) : null } };
}
