/**
 * Order rules: named IF-THEN rules run in order on each order (audit holds, gifts, presale,
 * merge suggestions) and a priority score, with an explanation of every decision. Pure: the
 * time and the neighbouring orders come in through the context. README.md documents the
 * `rules:` and `priority:` sections of hub.yaml.
 *
 * @example
 * import { evaluateRules } from './core/rules/index.ts';
 * const { holds, addLines, tags, holdUntil, mergeWith, priority } = evaluateRules(order, context, { rules: hub.rules, priority: hub.priority });
 */
export { evaluateRules } from './evaluate-rules.ts';
export { addressKey } from './address-key.ts';
export { isValidMobile } from './mobile.ts';
export { RulesConfigError, RuleContextError } from './errors.ts';
export type {
  BuyerMessageRule,
  GiftByAmountRule,
  GiftBySkuRule,
  GiftSpec,
  IncompleteAddressRule,
  InvalidMobileRule,
  LargeAmountRule,
  MergeRule,
  OrderRule,
  PresaleRule,
  PriorityConfig,
  ReceiverField,
  RuleContext,
  RuleKind,
  RuleOutcome,
  RulesConfig,
  SameAddressRule,
} from './types.ts';
import schema from './rules-config.schema.json' with { type: 'json' };

/**
 * JSON Schema (draft 2020-12) of `{ rules, priority }`: the `rules:` and `priority:` sections of hub.yaml.
 *
 * @example
 * new Ajv2020().compile(rulesConfigSchema)({ rules: hub.rules, priority: hub.priority }) // true when well formed
 */
export const rulesConfigSchema: object = schema;
