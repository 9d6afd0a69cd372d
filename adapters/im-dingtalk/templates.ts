/**
 * The robot's messages: Chinese markdown, one template per delivery kind, in Handlebars syntax
 * compiled to closures (core/mapping/template.ts). A template sees a message view built from
 * `delivery.payload` and `delivery.order`, never the raw order: the receiver comes as a masked
 * name and phone (first 3 and last 4 digits) and no address at all, so no template, built-in
 * or configured, can put one in a group chat.
 *
 * The view:
 *
 * | field | what |
 * |---|---|
 * | `kind`, `time` | the delivery kind; now, Beijing time |
 * | `orderId`, `channel`, `externalId`, `status` | the order |
 * | `holds[]` | `{ rule, reason }`, from `payload.holds` (or `payload.reasons`) |
 * | `shortLines[]` | `{ sku, title, quantity }`, from `payload.lines` / `payload.shortfall` |
 * | `amount`, `threshold` | paid amount and `payload.threshold` (or the configured minimum), in yuan |
 * | `lines[]`, `itemCount` | `{ sku, title, quantity }` of the order |
 * | `receiver` | `{ name: '张*', phone: '138****5678' }` |
 * | `target`, `deliveryKind`, `attempts`, `error` | a dead letter's payload |
 * | `payload` | the payload, phones masked, address-like fields dropped |
 *
 * @example
 * const render = compileMessages({ 'notify.held': '### 待审核 {{externalId}}' });
 * render(delivery, Date.now()); // { title: '待审核 T1001', text: '### 待审核 T1001' }
 */
import { compileTemplate } from '../../core/mapping/template.ts';
import { rootScope } from '../../core/mapping/scope.ts';
import { CREDENTIALS_LINES, DAILY_SUMMARY_LINES, messageView, type MessageView } from '../../core/outbox/message-view.ts';
import type { Delivery } from '../../core/outbox/types.ts';

/** The template used for a kind that has none of its own. */
export const FALLBACK = 'default';

export const DEFAULT_TEMPLATES: Record<string, string> = {
  'notify.held': `### 订单待审核
- 渠道：{{channel}}
- 订单号：{{externalId}}
{{#if amount}}
- 实付：¥{{amount}}
{{/if}}
{{#if receiver}}
- 收货人：{{receiver.name}} {{receiver.phone}}
{{/if}}

**审核原因**
{{#each holds}}
- {{reason}}
{{else}}
- 未注明
{{/each}}

> {{time}}
`,
  'notify.shortfall': `### 库存不足
- 渠道：{{channel}}
- 订单号：{{externalId}}

**缺货明细**
{{#each shortLines}}
- {{sku}}{{#if title}} {{title}}{{/if}}：缺 {{quantity}} 件
{{else}}
- 见订单分配记录
{{/each}}

> {{time}}
`,
  'notify.order': `### 新订单
- 渠道：{{channel}}
- 订单号：{{externalId}}
- 实付：¥{{amount}}{{#if threshold}}（≥ ¥{{threshold}}）{{/if}}
- 商品：{{itemCount}} 件
{{#each lines}}
  - {{sku}} {{title}} × {{quantity}}
{{/each}}
{{#if receiver}}
- 收货人：{{receiver.name}} {{receiver.phone}}
{{/if}}

> {{time}}
`,
  'notify.credentials': `### 店铺授权需要处理
${CREDENTIALS_LINES}

> {{time}}
`,
  'notify.dead_letter': `### 投递失败
- 目标：{{default target "-"}}
- 类型：{{default deliveryKind "-"}}
{{#if externalId}}
- 订单号：{{externalId}}{{#if channel}}（{{channel}}）{{/if}}
{{/if}}
- 尝试次数：{{default attempts "-"}}
- 错误：{{default error "-"}}

请检查后重放或标记为已投递。

> {{time}}
`,
  'notify.daily_summary': `### 每日汇总 {{payload.day}}
${DAILY_SUMMARY_LINES}

> {{time}}
`,
  [FALLBACK]: `### 订单通知
- 类型：{{kind}}
{{#if externalId}}
- 订单号：{{externalId}}{{#if channel}}（{{channel}}）{{/if}}
{{/if}}
{{#if status}}
- 状态：{{status}}
{{/if}}

> {{time}}
`,
};

export class TemplateConfigError extends Error {
  override name = 'TemplateConfigError';
}

export interface RenderedMessage {
  /** What the chat list shows: the first line of the text, without markdown marks. */
  title: string;
  text: string;
}

/** Compiles the built-in templates with the configured ones over them; a bad template throws here, at start-up. */
export function compileMessages(overrides: Record<string, string> = {}, options: { minOrderAmount?: number } = {}): (delivery: Delivery, now: number) => RenderedMessage {
  const compiled = new Map<string, (view: MessageView) => string>();
  for (const [kind, source] of Object.entries({ ...DEFAULT_TEMPLATES, ...overrides })) {
    const result = compileTemplate(source);
    if ('error' in result) throw new TemplateConfigError(`template ${kind}:${result.line}:${result.column}: ${result.error}`);
    compiled.set(kind, (view) => result.render(rootScope(view)));
  }
  return (delivery, now) => {
    const render = compiled.get(delivery.kind) ?? compiled.get(FALLBACK)!;
    const text = render(messageView(delivery, now, options.minOrderAmount)).replace(/\n{3,}/g, '\n\n').trim();
    return { title: titleOf(text, delivery.kind), text };
  };
}

function titleOf(text: string, kind: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? kind;
  const plain = first.replace(/^\s*(#{1,6}\s*|>\s*|[-*]\s+)/, '').replace(/\*\*|__|`/g, '').trim();
  return [...(plain || kind)].slice(0, 64).join('');
}
