/**
 * The WeCom robot's messages: Chinese markdown (WeCom's subset: headings, bold, links, quotes,
 * `<font color="info|comment|warning">`), one template per delivery kind, in Handlebars syntax
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
 * The robot takes at most 4096 bytes of markdown content; a longer message is cut at a character
 * boundary and says so.
 *
 * @example
 * const render = compileMessages({ 'notify.held': '### 待审核 {{externalId}}' });
 * render(delivery, Date.now()); // '### 待审核 T1001'
 */
import { compileTemplate } from '../../core/mapping/template.ts';
import { rootScope } from '../../core/mapping/scope.ts';
import { CREDENTIALS_LINES, DAILY_SUMMARY_LINES, messageView, type MessageView } from '../../core/outbox/message-view.ts';
import type { Delivery } from '../../core/outbox/types.ts';

/** The template used for a kind that has none of its own. */
export const FALLBACK = 'default';

export const DEFAULT_TEMPLATES: Record<string, string> = {
  'notify.held': `### <font color="warning">订单待审核</font>
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

> <font color="comment">{{time}}</font>
`,
  'notify.shortfall': `### <font color="warning">库存不足</font>
- 渠道：{{channel}}
- 订单号：{{externalId}}

**缺货明细**
{{#each shortLines}}
- {{sku}}{{#if title}} {{title}}{{/if}}：缺 <font color="warning">{{quantity}}</font> 件
{{else}}
- 见订单分配记录
{{/each}}

> <font color="comment">{{time}}</font>
`,
  'notify.order': `### <font color="info">新订单</font>
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

> <font color="comment">{{time}}</font>
`,
  'notify.credentials': `### <font color="warning">店铺授权需要处理</font>
${CREDENTIALS_LINES}

> <font color="comment">{{time}}</font>
`,
  'notify.dead_letter': `### <font color="warning">投递失败</font>
- 目标：{{default target "-"}}
- 类型：{{default deliveryKind "-"}}
{{#if externalId}}
- 订单号：{{externalId}}{{#if channel}}（{{channel}}）{{/if}}
{{/if}}
- 尝试次数：{{default attempts "-"}}
- 错误：{{default error "-"}}

请检查后重放或标记为已投递。

> <font color="comment">{{time}}</font>
`,
  'notify.daily_summary': `### 每日汇总 {{payload.day}}
${DAILY_SUMMARY_LINES}

> <font color="comment">{{time}}</font>
`,
  [FALLBACK]: `### 订单通知
- 类型：{{kind}}
{{#if externalId}}
- 订单号：{{externalId}}{{#if channel}}（{{channel}}）{{/if}}
{{/if}}
{{#if status}}
- 状态：{{status}}
{{/if}}

> <font color="comment">{{time}}</font>
`,
};

export class TemplateConfigError extends Error {
  override name = 'TemplateConfigError';
}


/** 群机器人配置说明: markdown content 最长不超过4096个字节. */
export const MAX_CONTENT_BYTES = 4096;
const CUT = '\n\n……（内容过长，已截断）';

/** Compiles the built-in templates with the configured ones over them; a bad template throws here, at start-up. */
export function compileMessages(overrides: Record<string, string> = {}, options: { minOrderAmount?: number } = {}): (delivery: Delivery, now: number) => string {
  const compiled = new Map<string, (view: MessageView) => string>();
  for (const [kind, source] of Object.entries({ ...DEFAULT_TEMPLATES, ...overrides })) {
    const result = compileTemplate(source);
    if ('error' in result) throw new TemplateConfigError(`template ${kind}:${result.line}:${result.column}: ${result.error}`);
    compiled.set(kind, (view) => result.render(rootScope(view)));
  }
  return (delivery, now) => {
    const render = compiled.get(delivery.kind) ?? compiled.get(FALLBACK)!;
    return fit(render(messageView(delivery, now, options.minOrderAmount)).replace(/\n{3,}/g, '\n\n').trim());
  };
}

export function fit(text: string, maxBytes = MAX_CONTENT_BYTES): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  const room = maxBytes - encoder.encode(CUT).length;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    bytes += encoder.encode(ch).length;
    if (bytes > room) break;
    out += ch;
  }
  return out + CUT;
}
