/**
 * The receiver's phone: normalized for SendSms, and kept out of everything the hub records.
 * Attempts, reasons and errors pass through a redactor that replaces the number (in any form
 * it may take: bare, +86, percent-encoded inside Aliyun's "server string to sign") and the
 * receiver's name, before the engine's own masking of phone-like digits.
 *
 * @example
 * normalizeMobile('+86 138-1234-5678') // '13812345678'
 * maskMobile('13812345678')            // '138****5678'
 */
import { maskText } from '../../core/mapping/text.ts';
import { maskPersonalData } from '../../core/outbox/mask.ts';
import type { SendOutcome } from '../../core/outbox/types.ts';

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** A mainland mobile number as 11 digits, or null (SendSms takes +86 / 0086 / 86 too; we send it bare). */
export function normalizeMobile(raw: string): string | null {
  const compact = raw.replace(/[\s\-()]/g, '');
  const bare = compact.replace(/^(?:\+86|0086|86)(?=1\d{10}$)/, '');
  return MAINLAND_MOBILE.test(bare) ? bare : null;
}

export function maskMobile(phone: string): string {
  return maskText(phone, 3, 4);
}

export type Redact = <T>(value: T) => T;

/** Replaces the given phone (and its other spellings) and name in every string of a value. */
export function redactorFor(phone: string | null | undefined, name?: string | null): Redact {
  const pairs: Array<[string, string]> = [];
  const digits = phone ? phone.replace(/\D/g, '') : '';
  if (phone && phone.trim()) pairs.push([phone.trim(), maskText(phone.trim(), 3, 4)]);
  const core = digits.length >= 11 ? digits.slice(-11) : digits;
  if (core.length >= 7) pairs.push([core, maskText(core, 3, 4)]);
  if (name && [...name].length > 1) pairs.push([name, maskText(name, 1, 0)]);
  const scrub = (text: string): string => pairs.reduce((t, [from, to]) => t.split(from).join(to), text);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return (<T>(value: T): T => maskPersonalData(walk(value)) as T) as Redact;
}

/** An outcome with the phone and name out of its request, response and reason. */
export function redactOutcome(outcome: SendOutcome, redact: Redact): SendOutcome {
  const out: Record<string, unknown> = { ...outcome };
  for (const key of ['request', 'response', 'reason'] as const) if (out[key] !== undefined) out[key] = redact(out[key]);
  return out as SendOutcome;
}
