/**
 * A hub with one webhook shop (`site`, tenant t1) and 10 of SKU-1 at wh-sh: what the end-to-end
 * tests of the targets' callbacks start from.
 */
import { signStandardWebhook } from '../../connectors/webhook/index.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';

export const SITE_SHOP_YAML = `shops:
  - { channel: webhook, shop: site, tenant: t1, secret: "\${env:HOOK}" }
`;

export async function seedSku1(db: string): Promise<void> {
  const seed = await openLibsqlStore({ url: db });
  await seed.batch([{ sql: "INSERT INTO stock_levels (tenant, sku, location, on_hand, reserved, safety, updated_at) VALUES ('t1', 'SKU-1', 'wh-sh', 10, 0, 0, '2024-01-01T00:00:00Z')" }]);
  await seed.close();
}

/** Pushes one paid order (2 × SKU-1 at 59.00, to Shanghai) to a running hub's `webhook/site` shop, signed; returns the HTTP status. */
export async function pushPaidOrder(hubUrl: string, secret: string, id: string): Promise<number> {
  const body = JSON.stringify({
    id, status: 'paid', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00',
    customer: { id: `buyer-${id}` },
    shippingAddress: { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: '南京西路1号' },
    items: [{ id: '1', sku: 'SKU-1', title: 'T恤', quantity: 2, price: '59.00' }], total: '118.00',
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const messageId = `msg-${id}`;
  const { sign } = await signStandardWebhook({ id: messageId, timestamp, payload: body }, secret);
  const response = await fetch(`${hubUrl}/webhooks/webhook/site`, { method: 'POST', headers: { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': sign }, body });
  return response.status;
}
