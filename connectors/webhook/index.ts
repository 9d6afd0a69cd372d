/**
 * The generic webhook channel: sites and mini-programs POST one order (the `webhook` mapping's
 * shape, mappings/webhook.md) signed by the Standard Webhooks spec.
 */
import type { ConnectorFactory } from '../../core/connector/types.ts';
import { verifyStandardWebhook } from './verify.ts';

export { signStandardWebhook, verifyStandardWebhook } from './verify.ts';

export const createWebhookConnector: ConnectorFactory = (shop, deps) => {
  const secrets = [shop.secret, ...((shop.previousSecrets as string[] | undefined) ?? [])].filter((s): s is string => typeof s === 'string' && s.length > 0);
  return {
    channel: 'webhook',
    limits: {},
    async receive(request) {
      const verdict = await verifyStandardWebhook(request.headers, request.body, secrets, Math.floor(deps.now() / 1000));
      if (!verdict.ok) {
        return { response: { status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: verdict.reason }) }, rejected: verdict.reason, items: [] };
      }
      return {
        response: { status: 204, body: '' },
        messageIds: [verdict.id],
        // The raw body goes to the pipeline as it came; the mapping reads it.
        items: [{ kind: 'order', payload: request.body }],
      };
    },
  };
};
