/**
 * Orders the merchant's own site and its store send during a sandbox run: the generic webhook
 * order (mappings/webhook.md) and the POS sale (connectors/pos/README.md), varied by a counter.
 */
export const WORLD_SKUS = [
  { sku: 'SITE-TEE-BLK-M', title: '品牌纯棉T恤 黑色 M', price: 9900 },
  { sku: 'SITE-TEE-WHT-L', title: '品牌纯棉T恤 白色 L', price: 9900 },
  { sku: 'SITE-CAP-01', title: '刺绣棒球帽', price: 6900 },
  { sku: 'SITE-TOTE-01', title: '帆布托特包', price: 4900 },
] as const;

const PEOPLE = [
  { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: '南京西路1266号' },
  { name: '王先生', phone: '13912345678', province: '广东省', city: '广州市', district: '天河区', address: '天河路385号' },
  { name: '陈女士', phone: '13700001234', province: '浙江省', city: '杭州市', district: '西湖区', address: '文三路90号' },
  { name: '赵先生', phone: '15000005678', province: '四川省', city: '成都市', district: '武侯区', address: '天府大道北段1700号' },
];

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** Beijing time with its offset, as a site would send it. */
const beijingIso = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

export function siteOrder(n: number, now = Date.now()) {
  const person = PEOPLE[n % PEOPLE.length]!;
  const lines = [WORLD_SKUS[n % WORLD_SKUS.length]!, ...(n % 3 === 0 ? [WORLD_SKUS[(n + 1) % WORLD_SKUS.length]!] : [])];
  const items = lines.map((s, i) => ({ id: String(i + 1), sku: s.sku, title: s.title, quantity: 1 + (n % 2), price: yuan(s.price) }));
  const goods = lines.reduce((sum, s) => sum + s.price * (1 + (n % 2)), 0);
  const at = beijingIso(now);
  return {
    id: `WEB-${now}-${n}`,
    status: 'paid',
    createdAt: at,
    paidAt: at,
    updatedAt: at,
    customer: { id: `u-${1000 + (n % 50)}` },
    shippingAddress: person,
    items,
    total: yuan(goods),
  };
}

export function storeSale(store: string, n: number, now = Date.now()) {
  const sku = WORLD_SKUS[(n + 2) % WORLD_SKUS.length]!;
  return {
    receipt: `R${now}-${n}`,
    store,
    register: 'POS-01',
    soldAt: new Date(now + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '),
    status: 'completed',
    lines: [{ line: '1', sku: sku.sku, name: sku.title, qty: '1', price: yuan(sku.price), amount: yuan(sku.price) }],
  };
}
