import { describe, expect, it } from 'vitest';
import { BIG_ORDER, DEAD_LETTER, delivery, HELD, SHORTFALL } from './test-fixtures.ts';
import { compileMessages, fit, MAX_CONTENT_BYTES, TemplateConfigError } from './templates.ts';

const now = Date.parse('2024-05-01T02:00:00Z');
const render = compileMessages();

describe('the WeCom robot messages', () => {
  it('tells a held order, a shortfall, a big order and a dead letter in WeCom markdown', () => {
    expect(render(HELD, now)).toBe(
      '### <font color="warning">订单待审核</font>\n- 渠道：tmall\n- 订单号：3791827364510\n- 实付：¥1237.00\n- 收货人：张** 138****5678\n\n**审核原因**\n- 金额超过 1000 元\n- 收货地址在黑名单\n\n> <font color="comment">2024-05-01 10:00:00</font>',
    );
    expect(render(SHORTFALL, now)).toContain('- TEA-001 龙井 250g：缺 <font color="warning">2</font> 件');
    expect(render(BIG_ORDER, now)).toContain('### <font color="info">新订单</font>\n- 渠道：tmall\n- 订单号：3791827364510\n- 实付：¥1237.00（≥ ¥1000.00）');
    expect(render(DEAD_LETTER, now)).toContain('- 错误：500002: 物料编码不存在');
  });

  it('never shows the address, the full phone or the full name', () => {
    const nosy = compileMessages({ default: '{{payload.address}}|{{payload.receiver.address}}|{{receiver.address}}|{{payload.mobile}}' });
    expect(nosy(delivery('notify.x', { address: '文三路 100 号', receiver: { address: '文三路' }, mobile: '13812345678' }), now)).toBe('|||138****5678');
    for (const d of [HELD, SHORTFALL, BIG_ORDER, DEAD_LETTER]) for (const p of ['文三路', '西湖区', '张三丰', '13812345678']) expect(render(d, now)).not.toContain(p);
  });

  it('falls back to a generic message, and rejects a broken template at start-up', () => {
    expect(render(delivery('notify.cancelled', { externalId: 'X2' }), now)).toContain('### 订单通知\n- 类型：notify.cancelled\n- 订单号：X2（tmall）');
    expect(() => compileMessages({ 'notify.held': '{{#if holds}}' })).toThrow(TemplateConfigError);
  });

  it('keeps the content within the robot\'s 4096 bytes, cutting at a character', () => {
    const long = compileMessages({ default: '{{#each holds}}{{reason}}{{/each}}' })(delivery('notify.x', { holds: Array.from({ length: 1000 }, () => '审核原因') }), now);
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
    expect(long.endsWith('……（内容过长，已截断）')).toBe(true);
    expect(fit('短')).toBe('短');
    // 20 characters of 3 bytes into 44 bytes: the cut notice takes 38, two characters fit.
    expect(fit('一二三四五六七八九十'.repeat(2), 44)).toBe('一二\n\n……（内容过长，已截断）');
  });
  it('tells a shop whose token needs renewing, and why', () => {
    const expired = delivery('notify.credentials', { channel: 'jd', shop: 'jd-main', state: 'expired', expiresAt: '2024-05-03T00:00:00Z', lastRefreshError: 'code 19: token expired', consecutiveRefreshFailures: 2 }, { orderId: null });
    const text = render(expired, now);
    expect(text).toContain('### <font color="warning">店铺授权需要处理</font>\n- 店铺：jd / jd-main\n- 状态：expired（到期 2024-05-03T00:00:00Z）\n- 最近刷新错误：code 19: token expired（连续 2 次）');
  });
});
