import { describe, expect, it } from 'vitest';
import { CONFIRMED, DELIVERED, MESSAGES, ORDER, REFUNDED, SHIPPED, delivery } from './test-fixtures.ts';
import { compileMessages, messageView, MissingValueError, TemplateConfigError } from './templates.ts';

describe('customer messages', () => {
  it('fills the built-in variables of the four kinds', () => {
    const messages = compileMessages(MESSAGES);
    expect(messages.render(CONFIRMED)).toEqual({ templateCode: 'SMS_460001', params: { order: '3791827364510', amount: '1237.00' } });
    expect(messages.render(SHIPPED)).toEqual({ templateCode: 'SMS_460002', params: { order: '3791827364510', company: '顺丰速运', waybill: 'SF1402918273645' } });
    expect(messages.render(DELIVERED)).toEqual({ templateCode: 'SMS_460003', params: { order: '3791827364510' } });
    expect(messages.render(REFUNDED)).toEqual({ templateCode: 'SMS_460004', params: { order: '3791827364510', amount: '39.00' } });
    expect(messages.render(delivery('sms.other'))).toBeNull();
  });

  it('takes configured variables and carrier names, and keeps odd characters JSON-safe', () => {
    const messages = compileMessages(
      { 'sms.shipped': { templateCode: ' SMS_9 ', params: { who: '{{receiver.surname}}先生/女士', what: '{{firstTitle}}{{#if itemCount}} 等{{itemCount}}件{{/if}}', by: '{{carrier}}' } } },
      { sf: '顺丰' },
    );
    const odd = { ...ORDER, lines: [{ ...ORDER.lines[0], title: '"龙井" \\ 礼盒' }, ORDER.lines[1]] as typeof ORDER.lines };
    const rendered = messages.render({ ...SHIPPED, order: odd })!;
    expect(rendered).toEqual({ templateCode: 'SMS_9', params: { who: '张先生/女士', what: '"龙井" \\ 礼盒 等3件', by: '顺丰' } });
    expect(JSON.parse(JSON.stringify(rendered.params))).toEqual(rendered.params);
    expect(messages.render({ ...SHIPPED, payload: { ...SHIPPED.payload, carrier: 'ane' } })!.params.by).toBe('ane');
  });

  it('refuses to send a message with an empty variable (a shipment without its waybill)', () => {
    const messages = compileMessages(MESSAGES);
    expect(() => messages.render(delivery('sms.shipped', { carrier: 'sf' }))).toThrow(new MissingValueError('template variable "waybill" of sms.shipped rendered empty'));
  });

  it('reports a bad template at start-up with its place', () => {
    expect(() => compileMessages({ 'sms.shipped': { templateCode: 'SMS_1', params: { no: '{{#if waybillNo}}x' } } })).toThrow(TemplateConfigError);
    expect(() => compileMessages({ 'sms.shipped': { templateCode: 'SMS_1', params: { no: '{{nope waybillNo}}' } } })).toThrow(/messages\.sms\.shipped\.params\.no:1:\d+: unknown helper "nope"/);
    expect(() => compileMessages({ 'sms.shipped': { templateCode: '' } })).toThrow(/templateCode: required/);
  });

  it('shows templates no phone and no address', () => {
    const view = messageView(delivery('sms.shipped', { receiver: { phone: '13812345678' }, phone: '13812345678', note: 'call 13812345678' }));
    const text = JSON.stringify(view);
    expect(text).not.toContain('13812345678');
    expect(text).not.toContain('文三路');
    expect(view.receiver).toEqual({ name: '张三丰', surname: '张' });
    expect(view.payload).toMatchObject({ note: 'call 138****5678' });
  });
});
