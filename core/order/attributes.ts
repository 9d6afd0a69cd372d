/**
 * Custom order attributes: fields a merchant declares in hub.yaml (referrer, source code,
 * promised delivery date ...), each with a type. Mappings fill them; the static check and
 * the run-time check both read these declarations.
 */
import { isoTime } from './time.ts';

export const ATTRIBUTE_TYPES = ['string', 'integer', 'number', 'boolean', 'money', 'date-time'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface AttributeDeclaration {
  type: AttributeType;
  description?: string;
}

export type AttributeDeclarations = Record<string, AttributeDeclaration>;

/** Why `value` does not fit `declaration`, or null when it fits. */
export function attributeMismatch(value: unknown, declaration: AttributeDeclaration): string | null {
  switch (declaration.type) {
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
    case 'integer':
    case 'money':
      return Number.isSafeInteger(value) ? null : `must be an integer${declaration.type === 'money' ? ' (fen)' : ''}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date-time':
      if (typeof value !== 'string') return 'must be an ISO-8601 time with offset';
      try {
        isoTime(value);
        return null;
      } catch {
        return 'must be an ISO-8601 time with offset';
      }
  }
}
