import { describe, expect, it } from 'vitest';
import { signStandardWebhook, verifyStandardWebhook } from './verify.ts';

// The example from the Standard Webhooks reference implementations (standard-webhooks/standard-webhooks,
// libraries/javascript/src/index.test.ts): secret MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
// timestamp 1614265330, payload {"test": 2432232314}.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EXAMPLE = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', payload: '{"test": 2432232314}' };
const EXPECTED = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('Standard Webhooks', () => {
  it('signs the reference example exactly', async () => {
    expect(await signStandardWebhook(EXAMPLE, SECRET)).toEqual({ sign: EXPECTED, signed: 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' });
  });

  const headers = { 'webhook-id': EXAMPLE.id, 'webhook-timestamp': EXAMPLE.timestamp, 'webhook-signature': `v1,bm9wZQ== ${EXPECTED}` };

  it('accepts a valid signature among several (secret rotation), within five minutes', async () => {
    expect(await verifyStandardWebhook(headers, EXAMPLE.payload, ['whsec_b2xk', SECRET], 1614265330 + 299)).toEqual({ ok: true, id: EXAMPLE.id });
  });

  it('refuses forged, stale and incomplete requests, saying why', async () => {
    expect(await verifyStandardWebhook(headers, '{"test": 1}', [SECRET], 1614265330)).toEqual({ ok: false, reason: 'no webhook-signature matches' });
    expect(await verifyStandardWebhook(headers, EXAMPLE.payload, [SECRET], 1614265330 + 301)).toEqual({ ok: false, reason: 'webhook-timestamp is more than 5 minutes away' });
    expect(await verifyStandardWebhook({ 'webhook-id': 'x' }, EXAMPLE.payload, [SECRET], 1614265330)).toEqual({ ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' });
  });
});
