import { describe, expect, it } from 'vitest';
import { BIG_ORDER, DEAD_LETTER, delivery, HELD, SHORTFALL } from './test-fixtures.ts';
import { compileMessages, TemplateConfigError } from './templates.ts';

const now = Date.parse('2024-05-01T02:00:00Z');
const render = compileMessages();
const PRIVATE = ['文三路', '501', '西湖区', '张三丰', '13812345678', '310000'];

describe('the robot messages', () => {
  it('tells a held order with its channel, number and hold reasons', () => {
    const { title, text } = render(HELD, now);
    expect(title).toBe('订单待审核');
    expect(text).toContain('- 渠道：tmall');
    expect(text).toContain('- 订单号：3791827364510');
    expect(text).toContain('- 金额超过 1000 元\n- 收货地址在黑名单');
    expect(text).toContain('- 收货人：张** 138****5678');
    expect(text).toContain('> 2024-05-01 10:00:00');
  });

  it('tells a shortfall line by line, a big order with its amount, a dead letter with its error', () => {
    expect(render(SHORTFALL, now).text).toContain('**缺货明细**\n- TEA-001 龙井 250g：缺 2 件');
    expect(render(BIG_ORDER, now).text).toContain('- 实付：¥1237.00（≥ ¥1000.00）\n- 商品：3 件\n  - TEA-001 龙井 250g × 2\n  - CUP-002 玻璃杯 × 1');
    const dead = render(DEAD_LETTER, now);
    expect(dead.title).toBe('投递失败');
    expect(dead.text).toContain('- 目标：kingdee\n- 类型：erp.sale_order\n- 订单号：3791827364510（tmall）\n- 尝试次数：12\n- 错误：500002: 物料编码不存在');
  });

  it('never shows the address, the full phone or the full name, whatever the template asks for', () => {
    const nosy = compileMessages({
      'notify.held': '### 审核 {{externalId}} {{order.receiver.address}} {{payload.receiver.address}} {{payload.address}} {{payload.phone}} {{receiver.address}} {{receiver.city}}',
    });
    const leaky = delivery('notify.held', { externalId: 'X1', address: '文三路 100 号', phone: '13812345678', receiver: { address: '文三路 100 号' } });
    for (const d of [HELD, SHORTFALL, BIG_ORDER, DEAD_LETTER]) for (const p of PRIVATE) expect(render(d, now).text).not.toContain(p);
    const text = nosy(leaky, now).text;
    expect(text).toBe('### 审核 X1    138****5678');
  });

  it('falls back to a generic message for other kinds, and takes configured templates over the built-in ones', () => {
    const generic = render(delivery('notify.cancelled', { externalId: 'X2', channel: 'jd' }), now);
    expect(generic).toEqual({ title: '订单通知', text: '### 订单通知\n- 类型：notify.cancelled\n- 订单号：X2（jd）\n- 状态：paid\n\n> 2024-05-01 10:00:00' });
    const custom = compileMessages({ default: '**{{kind}}** {{externalId}}', 'notify.held': '## 【审核】{{externalId}}\n{{#each holds}}{{rule}};{{/each}}' });
    expect(custom(delivery('notify.cancelled', { externalId: 'X2' }), now)).toEqual({ title: 'notify.cancelled X2', text: '**notify.cancelled** X2' });
    expect(custom(HELD, now)).toEqual({ title: '【审核】3791827364510', text: '## 【审核】3791827364510\nbig-amount;blacklist;' });
  });

  it('rejects a broken template at start-up, with its place', () => {
    expect(() => compileMessages({ 'notify.held': 'ok\n{{#each holds}}{{reason}}' })).toThrow(TemplateConfigError);
    expect(() => compileMessages({ 'notify.held': 'ok\n{{nope 1 2}}' })).toThrow(/^template notify\.held:2:\d+: unknown helper "nope"/);
  });
  it('tells a shop whose token needs renewing, and why', () => {
    const expired = delivery('notify.credentials', { channel: 'jd', shop: 'jd-main', state: 'expired', expiresAt: '2024-05-03T00:00:00Z', lastRefreshError: 'code 19: token expired', consecutiveRefreshFailures: 2 }, { orderId: null });
    const { text } = render(expired, now);
    expect(text).toContain('### 店铺授权需要处理\n- 店铺：jd / jd-main\n- 状态：expired（到期 2024-05-03T00:00:00Z）\n- 最近刷新错误：code 19: token expired（连续 2 次）');
  });
});
