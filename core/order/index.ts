export type { CanonicalOrder, Money } from './canonical-order.generated.ts';
export { validateOrder, pointerToPath, type OrderCheck, type OrderProblem } from './validate.ts';
export { ATTRIBUTE_TYPES, attributeMismatch, type AttributeDeclaration, type AttributeDeclarations, type AttributeType } from './attributes.ts';
export { yuanToFen, fenToFen, fenToYuan, MoneyFormatError } from './money.ts';
export { beijingToIso, epochToIso, isoTime, isoToBeijing, BEIJING_OFFSET, TimeFormatError } from './time.ts';
export { default as canonicalOrderSchema } from './canonical-order.schema.json' with { type: 'json' };
