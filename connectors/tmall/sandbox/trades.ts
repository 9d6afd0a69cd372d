/**
 * Generated trades for the simulator, shaped as taobao.trade.fullinfo.get returns them: money
 * as yuan strings that reconcile (line total_fee = price × num + adjust_fee − discount_fee;
 * divide_order_fee = total_fee − part_mjz_discount; payment = Σ divide_order_fee + post_fee),
 * 19-digit tids and oids (kept here as digit strings; the server writes them as bare JSON
 * numbers, as TOP does), receiver data masked the way TOP masks it, every Trade.status, partial
 * and full refunds, presale and cash-on-delivery trades. Deterministic for a seed.
 */

export interface CatalogSku {
  numIid: string;
  skuId?: string;
  outerIid: string;
  outerSkuId?: string;
  title: string;
  props?: string;
  /** Unit price in fen. */
  price: number;
  cid: number;
  quantity: number;
}

export type Trade = Record<string, unknown> & { tid: string; modified: string; status: string; payment: string };

export const TRADE_STATUSES = [
  'TRADE_NO_CREATE_PAY',
  'WAIT_BUYER_PAY',
  'PAY_PENDING',
  'WAIT_PRE_AUTH_CONFIRM',
  'PAID_FORBID_CONSIGN',
  'WAIT_SELLER_SEND_GOODS',
  'SELLER_CONSIGNED_PART',
  'WAIT_BUYER_CONFIRM_GOODS',
  'TRADE_BUYER_SIGNED',
  'TRADE_FINISHED',
  'TRADE_CLOSED',
  'TRADE_CLOSED_BY_TAOBAO',
] as const;

const UNPAID = new Set(['TRADE_NO_CREATE_PAY', 'WAIT_BUYER_PAY', 'PAY_PENDING', 'WAIT_PRE_AUTH_CONFIRM', 'TRADE_CLOSED_BY_TAOBAO']);

export const CATALOG: CatalogSku[] = [
  { numIid: '739001644954', skuId: '5275960415307', outerIid: 'SP-1001', outerSkuId: 'SP-1001-BLK-XL', title: '纯棉短袖T恤男夏季宽松', props: '颜色分类:黑色;尺码:XL', price: 5900, cid: 50000436, quantity: 120 },
  { numIid: '739001644954', skuId: '5275960415308', outerIid: 'SP-1001', outerSkuId: 'SP-1001-WHT-L', title: '纯棉短袖T恤男夏季宽松', props: '颜色分类:白色;尺码:L', price: 5900, cid: 50000436, quantity: 80 },
  { numIid: '739001644955', skuId: '5275960415399', outerIid: 'SP-2002', outerSkuId: 'SP-2002-WHT', title: '运动棉袜5双装', props: '颜色分类:白色', price: 3990, cid: 50006846, quantity: 300 },
  { numIid: '739001644960', skuId: '5275960416001', outerIid: 'HM-3003', outerSkuId: 'HM-3003-1L', title: '不锈钢保温杯大容量', props: '容量:1000ml;颜色分类:雾霾蓝', price: 12900, cid: 50015726, quantity: 45 },
  { numIid: '739001644961', outerIid: 'TEA-4004', title: '明前西湖龙井茶叶250g礼盒装', price: 26800, cid: 50008141, quantity: 20 },
  { numIid: '739001644962', skuId: '5275960416202', outerIid: 'BAG-5005', outerSkuId: 'BAG-5005-GRY', title: '双肩包男女通勤电脑包', props: '颜色分类:深灰', price: 19900, cid: 50012010, quantity: 60 },
];

const SURNAMES = ['张', '王', '李', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '林'];
const PLACES: Array<{ state: string; city?: string; district: string; town: string; street: string; zip: string }> = [
  { state: '浙江省', city: '杭州市', district: '西湖区', town: '西溪街道', street: '文***路***号**小区*幢*单元***室', zip: '310000' },
  { state: '上海', city: '上海市', district: '浦东新区', town: '张江镇', street: '祖***路***弄**号***室', zip: '201203' },
  { state: '广东省', city: '深圳市', district: '南山区', town: '粤海街道', street: '科***路**号**大厦**楼', zip: '518057' },
  { state: '北京', city: '北京市', district: '朝阳区', town: '望京街道', street: '阜***路***号院*号楼****', zip: '100102' },
  { state: '四川省', city: '成都市', district: '武侯区', town: '桂溪街道', street: '天***大道北段****号', zip: '610041' },
  { state: '江苏省', city: '南京市', district: '鼓楼区', town: '湖南路街道', street: '中***路***号*栋***', zip: '210009' },
  // 省直辖县级行政区: TOP gives the city in receiver_district only.
  { state: '河南省', district: '济源市', town: '沁园街道', street: '济***大道***号', zip: '459000' },
];
const MESSAGES = ['请尽快发货，谢谢', '周末不在家，请放快递柜', '送人的，不要放发票', '', '', ''];

/** mulberry32: small, seedable, good enough for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const yuan = (fen: number) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

/** Beijing `yyyy-MM-dd HH:mm:ss` of epoch ms. */
export const beijing = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

export interface GenerateOptions {
  count: number;
  /** Modified times fall in [from, to) (epoch ms). */
  from: number;
  to: number;
  seed?: number;
  sellerNick?: string;
}

/** `count` trades, cycling through every status. */
export function generateTrades(options: GenerateOptions): Trade[] {
  const random = seeded(options.seed ?? 20240520);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const used = new Set<string>();
  const bigId = (lead: string) => {
    for (;;) {
      const id = lead + digits(18);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
  const seller = options.sellerNick ?? '某某官方旗舰店';
  const trades: Trade[] = [];
  for (let i = 0; i < options.count; i++) {
    const status = TRADE_STATUSES[i % TRADE_STATUSES.length]!;
    const modifiedMs = options.from + Math.floor(random() * (options.to - options.from));
    const createdMs = modifiedMs - int(900, 3 * 86_400) * 1000;
    const paid = !UNPAID.has(status);
    const payMs = createdMs + int(5, 600) * 1000;
    const lineCount = status === 'SELLER_CONSIGNED_PART' ? int(2, 3) : int(1, 3);
    const partialRefund = status === 'WAIT_BUYER_CONFIRM_GOODS' && lineCount > 1 && i % 3 === 0;
    const presale = status === 'WAIT_BUYER_PAY' && i % 2 === 1;
    const cod = status === 'TRADE_BUYER_SIGNED';
    const tid = bigId('2');
    const pool = [...CATALOG];
    const skus = Array.from({ length: lineCount }, () => pool.splice(Math.floor(random() * pool.length), 1)[0]!);

    // Money in fen, then as yuan strings.
    const lines = skus.map((sku) => {
      const num = int(1, 3);
      const discount = random() < 0.4 ? int(1, 10) * 100 : 0;
      const adjust = skus.length === 1 && random() < 0.15 ? -int(1, 5) * 100 : 0;
      return { sku, num, discount, adjust, total: sku.price * num + adjust - discount };
    });
    const goods = lines.reduce((s, l) => s + l.sku.price * l.num, 0);
    const lineTotals = lines.reduce((s, l) => s + l.total, 0);
    const tradeDiscount = goods >= 19900 && random() < 0.6 ? Math.min(int(1, 3) * 1000, lineTotals - lines.length) : 0;
    let shared = 0;
    const parts = lines.map((l, k) => {
      const part = k === lines.length - 1 ? tradeDiscount - shared : Math.floor((tradeDiscount * l.total) / lineTotals);
      shared += part;
      return part;
    });
    const postFee = goods >= 9900 ? 0 : pick([0, 800, 1000]);
    const payment = lines.reduce((s, l, k) => s + l.total - parts[k]!, 0) + postFee;

    const place = pick(PLACES);
    const surname = pick(SURNAMES);
    const mobileTail = digits(4);
    const message = pick(MESSAGES);
    const orders = lines.map((l, k) => {
      const oid = lines.length === 1 ? tid : bigId('2');
      const divide = l.total - parts[k]!;
      let orderStatus: string = status;
      let refundStatus = 'NO_REFUND';
      if (status === 'PAID_FORBID_CONSIGN') orderStatus = 'WAIT_SELLER_SEND_GOODS';
      if (status === 'WAIT_PRE_AUTH_CONFIRM' || status === 'TRADE_NO_CREATE_PAY') orderStatus = status === 'WAIT_PRE_AUTH_CONFIRM' ? 'WAIT_BUYER_PAY' : status;
      if (status === 'SELLER_CONSIGNED_PART') orderStatus = k === 0 ? 'WAIT_BUYER_CONFIRM_GOODS' : 'WAIT_SELLER_SEND_GOODS';
      if (status === 'TRADE_CLOSED') refundStatus = 'SUCCESS';
      if (partialRefund && k === lines.length - 1) {
        orderStatus = 'TRADE_CLOSED';
        refundStatus = 'SUCCESS';
      }
      if (status === 'WAIT_SELLER_SEND_GOODS' && k === 0 && i % 4 === 1) refundStatus = 'WAIT_SELLER_AGREE';
      const order: Record<string, unknown> = {
        oid,
        oid_str: oid,
        num_iid: l.sku.numIid,
        ...(l.sku.skuId ? { sku_id: l.sku.skuId } : {}),
        outer_iid: l.sku.outerIid,
        ...(l.sku.outerSkuId ? { outer_sku_id: l.sku.outerSkuId } : {}),
        cid: l.sku.cid,
        title: l.sku.title,
        ...(l.sku.props ? { sku_properties_name: l.sku.props } : {}),
        price: yuan(l.sku.price),
        num: l.num,
        adjust_fee: yuan(l.adjust),
        discount_fee: yuan(l.discount),
        total_fee: yuan(l.total),
        part_mjz_discount: yuan(parts[k]!),
        divide_order_fee: yuan(divide),
        // A single-order trade's order pays the post fee too; a refunded line shows 0.00.
        payment: refundStatus === 'SUCCESS' && status !== 'TRADE_CLOSED' ? '0.00' : yuan(lines.length === 1 ? divide + postFee : divide),
        status: orderStatus,
        refund_status: refundStatus,
        ...(refundStatus !== 'NO_REFUND' ? { refund_id: bigId('1') } : {}),
        seller_type: 'B',
        order_from: 'WAP,WAP',
        is_oversold: false,
        buyer_rate: status === 'TRADE_FINISHED',
        seller_rate: false,
        snapshot_url: `s:${oid}_1`,
      };
      if (orderStatus === 'WAIT_BUYER_CONFIRM_GOODS' || status === 'TRADE_FINISHED' || cod) order.consign_time = beijing(payMs + 86_400_000);
      return order;
    });

    const trade: Trade = {
      tid,
      tid_str: tid,
      type: presale ? 'step' : cod ? 'cod' : 'fixed',
      status,
      title: seller,
      seller_nick: seller,
      buyer_nick: `${pick(['t', 'c', 'f', 'x', 'l'])}**`,
      buyer_open_uid: `AAH${digits(6)}AAJ_${digits(8)}zAvEP`,
      created: beijing(createdMs),
      modified: beijing(modifiedMs),
      total_fee: yuan(goods),
      discount_fee: yuan(tradeDiscount),
      adjust_fee: yuan(lines.length === 1 ? lines[0]!.adjust : 0),
      post_fee: yuan(postFee),
      payment: yuan(payment),
      received_payment: status === 'TRADE_FINISHED' ? yuan(payment) : '0.00',
      coupon_fee: 0,
      point_fee: 0,
      has_buyer_message: message !== '',
      ...(message ? { buyer_message: message } : {}),
      shipping_type: 'express',
      trade_from: pick(['WAP,WAP', 'TAOBAO', 'WAP,WAP']),
      seller_flag: 0,
      receiver_name: `${surname}**`,
      receiver_mobile: `*******${mobileTail}`,
      receiver_phone: '',
      receiver_state: place.state,
      ...(place.city ? { receiver_city: place.city } : {}),
      receiver_district: place.district,
      receiver_town: place.town,
      receiver_address: place.street,
      receiver_zip: place.zip,
      receiver_country: '',
      oaid: `1p4nZ8Ap4Z${digits(20)}OaiCVZOp58nTVJQ6y309zTj1h`,
      is_part_consign: status === 'SELLER_CONSIGNED_PART',
      orders: { order: orders },
      ...(tradeDiscount ? { promotion_details: { promotion_detail: [{ id: tid, promotion_name: `满${Math.floor(goods / 100)}减${tradeDiscount / 100}`, discount_fee: yuan(tradeDiscount), promotion_id: `mjs-22007${digits(8)}_${digits(10)}` }] } } : {}),
    };
    if (paid) trade.pay_time = beijing(payMs);
    if (presale) trade.step_trade_status = 'FRONT_PAID_FINAL_NOPAID';
    if (presale) trade.step_paid_fee = yuan(Math.round(payment * 0.2));
    if (['WAIT_BUYER_CONFIRM_GOODS', 'TRADE_BUYER_SIGNED', 'TRADE_FINISHED', 'SELLER_CONSIGNED_PART'].includes(status)) trade.consign_time = beijing(payMs + 86_400_000);
    if (['TRADE_FINISHED', 'TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO'].includes(status)) trade.end_time = trade.modified;
    trades.push(trade);
  }
  return trades;
}
