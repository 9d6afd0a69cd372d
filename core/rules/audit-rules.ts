/**
 * Audit holds: an order that looks wrong or risky waits for someone to release it.
 */
import { fired, list, notFired, yuan, type Effect, type Facts } from './effect.ts';
import { isLandline, isValidMobile } from './mobile.ts';
import { isoMillis, minutesApart } from './time.ts';
import { maskPhone, normalise } from './text.ts';
import type { BuyerMessageRule, IncompleteAddressRule, InvalidMobileRule, LargeAmountRule, ReceiverField, SameAddressRule } from './types.ts';

const ADDRESS_FIELDS: ReceiverField[] = ['name', 'phone', 'province', 'city', 'address'];

/** Holds an order that must be shipped when its receiver, or a required field of it, is missing. */
export function incompleteAddress(rule: IncompleteAddressRule, { order }: Facts): Effect {
  const receiver = order.receiver;
  if (!receiver) {
    const storeChannels = rule.storeChannels ?? ['pos'];
    if (storeChannels.includes(order.channel)) return notFired(`no receiver: an in-store sale on ${order.channel} needs no address`);
    return fired('no receiver on an order that must be shipped', { hold: 'no receiver on an order that must be shipped' });
  }
  const fields = rule.fields ?? ADDRESS_FIELDS;
  const empty = fields.filter((field) => (receiver[field] ?? '').trim() === '');
  if (empty.length === 0) return notFired(`receiver ${fields.join(', ')} are filled`);
  const reason = `receiver ${empty.join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty`;
  return fired(reason, { hold: reason });
}

/** Holds an order whose receiver phone is not a mainland mobile (nor, if allowed, a landline). */
export function invalidMobile(rule: InvalidMobileRule, { order }: Facts): Effect {
  const phone = order.receiver?.phone;
  if (phone === undefined) return notFired('no receiver phone to check');
  const shown = maskPhone(phone);
  if (phone.includes('*')) return notFired(`receiver phone ${shown} is masked: cannot be checked`);
  if (isValidMobile(phone)) return notFired(`receiver phone ${shown} is a mainland mobile`);
  if (rule.allowLandline && isLandline(phone)) return notFired(`receiver phone ${shown} is a landline (allowed)`);
  const reason = `receiver phone ${shown} is not a mainland mobile${rule.allowLandline ? ' or landline' : ''}`;
  return fired(reason, { hold: reason });
}

/** Holds when `count` or more orders, this one included, go to one address within the window. */
export function sameAddress(rule: SameAddressRule, { order, context, createdMs }: Facts): Effect {
  if (!order.receiver) return notFired('no receiver address');
  const others = new Set<string>();
  for (const other of context.recentOrdersToSameAddress) {
    const at = isoMillis(other.createdAt);
    if (other.externalId !== order.externalId && at !== null && minutesApart(at, createdMs) <= rule.withinMinutes) others.add(other.externalId);
  }
  const count = others.size + 1;
  const what = `${count} orders to this address within ${rule.withinMinutes} minutes (${['this one', ...others].join(', ')})`;
  if (count < rule.count) return notFired(`${what}: fewer than ${rule.count}`);
  const reason = `${what}: ${rule.count} or more`;
  return fired(reason, { hold: reason });
}

/** Holds an order paying at least the threshold. */
export function largeAmount(rule: LargeAmountRule, { order }: Facts): Effect {
  const paid = order.amounts.paid;
  if (paid < rule.paidAtLeast) return notFired(`paid ${yuan(paid)} is not >= ${yuan(rule.paidAtLeast)}`);
  const reason = `paid ${yuan(paid)} >= ${yuan(rule.paidAtLeast)}`;
  return fired(reason, { hold: reason });
}

/** Holds an order with a buyer message, unless the message is one of the ignored ones. */
export function buyerMessage(rule: BuyerMessageRule, { order }: Facts): Effect {
  const message = normalise(order.buyer.message ?? '');
  if (message === '') return notFired('no buyer message');
  if ((rule.ignore ?? []).some((ignored) => normalise(ignored) === message)) return notFired(`buyer message is one of the ignored ${list(rule.ignore ?? [])}`);
  const reason = `buyer left a message (${[...message].length} characters): read it before shipping`;
  return fired(reason, { hold: reason });
}
