/**
 * Realistic Youzan `full_order_info` objects for the simulator, deterministic from a seed: every
 * 4.x status, yuan strings ("59.00"), Beijing times, ciphertext PII ("$…$1$") as current answers
 * carry it, order-level discounts spread over the lines (均摊) so that
 * pay_info.payment = Σ orders[].payment + post_fee (the relation the mapping relies on).
 */
import { toBeijing } from '../time.ts';

export interface CatalogSku {
  skuId: number;
  outerSkuId: string;
  /** Fen. */
  price: number;
  spec: string;
}

export interface CatalogItem {
  itemId: number;
  title: string;
  outerItemId: string;
  alias: string;
  /** One entry with skuId 0 for an item without SKUs. */
  skus: CatalogSku[];
}

export const CATALOG: CatalogItem[] = [
  { itemId: 457846930, title: '西湖龙井 明前特级', outerItemId: 'TEA-001', alias: '3f59qbxc8jsds', skus: [{ skuId: 36356847, outerSkuId: 'TEA-001-250G', price: 5900, spec: '250g' }, { skuId: 36356848, outerSkuId: 'TEA-001-500G', price: 11200, spec: '500g' }] },
  { itemId: 457842156, title: '青瓷茶杯', outerItemId: 'CUP-002', alias: '2fz29mulo249s', skus: [{ skuId: 0, outerSkuId: '', price: 3200, spec: '' }] },
  { itemId: 457842301, title: '竹制干泡茶盘', outerItemId: 'TRAY-003', alias: '1y7k2m9q0c3ab', skus: [{ skuId: 36356901, outerSkuId: 'TRAY-003-L', price: 5000, spec: '大号' }, { skuId: 36356902, outerSkuId: 'TRAY-003-S', price: 3800, spec: '小号' }] },
  { itemId: 3481920577, title: '无谷全价成猫粮 2kg', outerItemId: 'PET-FD-018', alias: '3eqk6xc0r9d1u', skus: [{ skuId: 15873302, outerSkuId: 'PET-FD-018-2KG', price: 16800, spec: '2kg' }] },
  { itemId: 3481920633, title: '豆腐猫砂 6L', outerItemId: 'PET-LT-006', alias: '2oyv1s8fh0t4k', skus: [{ skuId: 15873415, outerSkuId: 'PET-LT-006-6L', price: 3990, spec: '6L' }] },
  { itemId: 502117733, title: '手冲咖啡滤纸 100张', outerItemId: 'COF-FP-100', alias: '26x7ok1m2p9aa', skus: [{ skuId: 0, outerSkuId: '', price: 1590, spec: '' }] },
];

export const STATUSES = ['WAIT_BUYER_PAY', 'TRADE_PAID', 'WAIT_CONFIRM', 'WAIT_SELLER_SEND_GOODS', 'WAIT_BUYER_CONFIRM_GOODS', 'TRADE_SUCCESS', 'TRADE_CLOSED'] as const;
export type YouzanStatus = (typeof STATUSES)[number];

const STATUS_STR: Record<YouzanStatus, string> = {
  WAIT_BUYER_PAY: '待支付',
  TRADE_PAID: '已支付',
  WAIT_CONFIRM: '待接单',
  WAIT_SELLER_SEND_GOODS: '待发货',
  WAIT_BUYER_CONFIRM_GOODS: '已发货',
  TRADE_SUCCESS: '已完成',
  TRADE_CLOSED: '已关闭',
};

const PLACES = [
  ['浙江省', '杭州市', '西湖区', '310012'],
  ['上海市', '上海市', '徐汇区', '200030'],
  ['四川省', '成都市', '青羊区', ''],
  ['广东省', '深圳市', '南山区', '518057'],
  ['北京市', '北京市', '朝阳区', '100020'],
] as const;

export interface GenerateOptions {
  count: number;
  /** update_time of every order falls in [from, to] (epoch ms). */
  from: number;
  to: number;
  seed?: number;
  kdtId?: number;
  shopName?: string;
}

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Ciphertext in Youzan's shape: `$<base64>$1$`. */
function cipher(random: () => number, bytes: number): string {
  let raw = '';
  for (let i = 0; i < bytes; i++) raw += String.fromCharCode(Math.floor(random() * 256));
  return `$${btoa(raw)}$1$`;
}

function digits(random: () => number, n: number): string {
  let out = String(1 + Math.floor(random() * 9));
  while (out.length < n) out += String(Math.floor(random() * 10));
  return out;
}

export function generateOrders(options: GenerateOptions): Array<Record<string, unknown>> {
  const random = prng(options.seed ?? 20240529);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const kdtId = options.kdtId ?? 91234567;
  const orders: Array<Record<string, unknown>> = [];
  for (let i = 0; i < options.count; i++) {
    const updated = Math.floor((options.from + random() * (options.to - options.from)) / 1000) * 1000;
    const created = updated - Math.floor(random() * 3 * 60 * 60) * 1000;
    const status = STATUSES[i % STATUSES.length]!;
    const createdText = toBeijing(created);
    const tid = `E${createdText.replace(/\D/g, '')}${String(i).padStart(5, '0')}${digits(random, 4)}`;

    // Lines, then an order-level discount spread over them by amount (the last line takes the rest).
    const lineCount = 1 + Math.floor(random() * 3);
    const picked = new Set<string>();
    const lines: Array<{ item: CatalogItem; sku: CatalogSku; num: number; total: number }> = [];
    while (lines.length < lineCount) {
      const item = pick(CATALOG);
      const sku = pick(item.skus);
      const key = `${item.itemId}:${sku.skuId}`;
      if (picked.has(key)) continue;
      picked.add(key);
      const num = 1 + Math.floor(random() * 3);
      lines.push({ item, sku, num, total: sku.price * num });
    }
    const goods = lines.reduce((s, l) => s + l.total, 0);
    const discount = random() < 0.5 ? Math.floor((goods * Math.floor(random() * 15)) / 100) : 0;
    let left = discount;
    const payments = lines.map((l, n) => {
      const share = n === lines.length - 1 ? left : Math.floor((discount * l.total) / goods);
      left -= share;
      return l.total - share;
    });
    const express = random() < 0.15 ? 1 : 0;
    const postFee = express === 1 ? 0 : pick([0, 0, 800, 1000]);
    const payment = payments.reduce((s, p) => s + p, 0) + postFee;

    const unpaid = status === 'WAIT_BUYER_PAY' || (status === 'TRADE_CLOSED' && i % 2 === 0);
    const payTime = unpaid ? '' : toBeijing(Math.min(updated, created + 60_000 + Math.floor(random() * 600) * 1000));
    const shipped = status === 'WAIT_BUYER_CONFIRM_GOODS' || status === 'TRADE_SUCCESS';
    const closeType = status !== 'TRADE_CLOSED' ? 0 : unpaid ? 1 : 2;
    const refundState = closeType === 2 ? 12 : status === 'WAIT_SELLER_SEND_GOODS' && i % 5 === 3 ? 11 : status === 'TRADE_SUCCESS' && i % 3 === 0 ? 2 : 0;
    const place = pick(PLACES);

    orders.push({
      order_info: {
        tid,
        status,
        status_str: STATUS_STR[status],
        type: 0,
        created: createdText,
        update_time: toBeijing(updated),
        pay_time: payTime,
        expired_time: toBeijing(created + 60 * 60_000),
        consign_time: shipped ? toBeijing(updated) : '',
        confirm_time: '',
        success_time: status === 'TRADE_SUCCESS' ? toBeijing(updated) : '',
        close_type: closeType,
        refund_state: refundState,
        pay_type: 10,
        pay_type_str: pick(['WEIXIN_DAIXIAO', 'WEIXIN_DAIXIAO', 'ALIPAY']),
        express_type: express,
        team_type: 0,
        is_retail_order: false,
        node_kdt_id: kdtId,
        root_kdt_id: kdtId,
        shop_name: options.shopName ?? '赞宝的店',
        order_tags: { is_payed: !unpaid, is_secured_transactions: true, is_member: true, ...(refundState ? { is_refund: true } : {}) },
        order_extra: { buyer_name: cipher(random, 6), is_from_cart: String(random() < 0.5), is_points_order: '0' },
      },
      buyer_info: {
        yz_open_id: `lDWyZBas${digits(random, 18)}`,
        fans_id: Number(digits(random, 11)),
        fans_type: 1,
        fans_nickname: cipher(random, 9),
        buyer_phone: cipher(random, 12),
        outer_user_id: `oY0DB6w${digits(random, 8)}`,
      },
      address_info: {
        receiver_name: cipher(random, 9),
        receiver_tel: cipher(random, 12),
        delivery_province: express === 1 ? '' : place[0],
        delivery_city: express === 1 ? '' : place[1],
        delivery_district: express === 1 ? '' : place[2],
        delivery_address: express === 1 ? '' : cipher(random, 48),
        delivery_postal_code: express === 1 ? '' : place[3],
        self_fetch_info: express === 1 ? JSON.stringify({ name: '赞宝的店(徐汇店)', province: '上海市', city: '上海市', county: '徐汇区', address_detail: '漕溪北路88号1楼', user_name: cipher(random, 6), user_tel: cipher(random, 12) }) : '',
        address_extra: '{}',
      },
      pay_info: {
        total_fee: yuan(goods),
        post_fee: yuan(postFee),
        payment: yuan(payment),
        real_payment: yuan(unpaid ? 0 : payment),
        outer_transactions: unpaid ? [] : [`42000022${digits(random, 20)}`],
        transaction: unpaid ? [] : [digits(random, 18)],
        phase_payments: [],
      },
      remark_info: { buyer_message: random() < 0.2 ? '请尽快发货' : '', trade_memo: null, star: null },
      source_info: { is_offline_order: false, book_key: `${digits(random, 8)}-bk`, biz_source: '', source: { platform: 'wx', wx_entrance: 'direct_buy' }, order_mark: 'wx_shop' },
      child_info: { child_orders: [] },
      orders: lines.map((l, n) => ({
        oid: digits(random, 19),
        item_id: l.item.itemId,
        sku_id: l.sku.skuId,
        outer_item_id: l.item.outerItemId,
        outer_sku_id: l.sku.outerSkuId,
        sku_unique_code: '',
        alias: l.item.alias,
        title: l.item.title,
        num: l.num,
        price: yuan(l.sku.price),
        discount_price: yuan(l.sku.price),
        total_fee: yuan(l.total),
        payment: yuan(payments[n]!),
        item_type: 0,
        is_present: false,
        points_price: '0',
        buyer_messages: '',
        is_pre_sale: '',
        pre_sale_type: '',
        sku_properties_name: l.sku.spec ? JSON.stringify([{ k: '规格', k_id: 3, v: l.sku.spec, v_id: 7000 + n }]) : '[]',
        pic_path: `https://img.yzcdn.cn/upload_files/2024/05/01/${l.item.alias}.jpg`,
        goods_url: `https://h5.youzan.com/v2/showcase/goods?alias=${l.item.alias}`,
      })),
    });
  }
  return orders;
}
