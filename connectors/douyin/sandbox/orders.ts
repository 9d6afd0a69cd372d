/**
 * Realistic Doudian shop orders for the simulator, in the shape of order.orderDetail's
 * `shop_order_detail` (official Go SDK `api/order_orderDetail/response`): money in fen, times in
 * epoch seconds (0 = not set), ids as strings except shop_id / sku_id / product_id (int64;
 * product_id past 2^53, kept as bigint here and written as a bare number), the receiver encrypted
 * (`##…#1##`, `$$…$1$$`) beside masked copies. Every order_status appears (1, 105, 2, 101, 3, 4,
 * 5), with main_status and after_sale_info that agree with it.
 *
 * Amounts follow order_amount = Σ sum_amount + post_amount = pay_amount + promotion_amount, per
 * shop order and per sku order (the postage sits on the first sku order).
 */

export interface SandboxOrder extends Record<string, unknown> {
  order_id: string;
  update_time: number;
  pay_amount: number;
  sku_order_list: Array<Record<string, unknown>>;
}

export interface GenerateOptions {
  count: number;
  /** update_time is spread over [from, to] (epoch seconds). */
  from: number;
  to: number;
  seed?: number;
  shopId?: number;
}

export interface Plaintexts {
  /** ciphertext → plaintext, for order.batchDecrypt. */
  byCipher: Map<string, { authId: string; text: string; dataType: number }>;
}

const STATUS_DESC: Record<number, string> = { 1: '待支付', 105: '已支付', 2: '备货中', 101: '部分发货', 3: '已发货', 4: '已取消', 5: '已完成' };
const STATUSES = [1, 105, 2, 101, 3, 4, 5];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['晓明', '丽华', '建国', '静', '伟', '芳', '磊', '婷婷', '子涵', '浩然'];
const PLACES = [
  { province: ['浙江省', '33'], city: ['杭州市', '330100'], town: ['西湖区', '330106'], street: ['西溪街道', '330106004'], road: '文三路' },
  { province: ['北京市', '11'], city: ['北京市', '110100'], town: ['朝阳区', '110105'], street: ['望京街道', '110105026'], road: '阜通东大街' },
  { province: ['广东省', '44'], city: ['深圳市', '440300'], town: ['南山区', '440305'], street: ['粤海街道', '440305007'], road: '科苑路' },
  { province: ['四川省', '51'], city: ['成都市', '510100'], town: ['武侯区', '510107'], street: ['玉林街道', '510107011'], road: '玉林南路' },
  { province: ['湖北省', '42'], city: ['武汉市', '420100'], town: ['洪山区', '420111'], street: ['关山街道', '420111002'], road: '珞喻路' },
];
export const PRODUCTS = [
  { name: '纯棉短袖T恤 男款', code: 'TS-WHT', price: 5990, spec: ['颜色', '白色'] },
  { name: '运动短裤', code: 'SP-BLK', price: 3990, spec: ['颜色', '黑色'] },
  { name: '主动降噪蓝牙耳机 Pro', code: 'EB-PRO', price: 19900, spec: ['颜色', '曜石黑'] },
  { name: '氨基酸洁面乳 120g', code: 'FC-AA-120', price: 8900, spec: ['规格', '120g'] },
  { name: '热干面 礼盒装 6人份', code: 'RGM-6', price: 4990, spec: ['规格', '6人份'] },
  { name: '补水保湿面膜 10片装', code: 'MK-HY-10', price: 5900, spec: ['规格', '10片'] },
];

/** A small seeded generator (mulberry32), so a test world is the same every run. */
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

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function generateOrders(options: GenerateOptions, plaintexts: Plaintexts): SandboxOrder[] {
  const random = seeded(options.seed ?? 7);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const shopId = options.shopId ?? 4463798;
  const orders: SandboxOrder[] = [];
  const span = Math.max(1, options.to - options.from);
  for (let i = 0; i < options.count; i++) {
    const orderId = `69${String(3062204778190435 + i * 7919).padStart(17, '0')}`;
    const status = STATUSES[i % STATUSES.length]!;
    const virtual = i % 11 === 10;
    // Update times spread over the window; every ninth order shares its second with the previous one.
    const updateTime = i % 9 === 8 && orders.length ? orders[orders.length - 1]!.update_time : options.from + Math.floor(((i + 0.5) / options.count) * span);
    const createTime = updateTime - int(600, 86_400);
    const paid = status !== 1 && !(status === 4 && i % 2 === 0);
    const payTime = paid ? createTime + int(5, 300) : 0;
    const refundedBeforeShipping = status === 4 && paid;
    const mainStatus = refundedBeforeShipping ? 21 : status;

    const lineCount = int(1, 3);
    const postAmount = virtual ? 0 : pick([0, 0, 600, 800]);
    const lines: Array<Record<string, unknown>> = [];
    let orderAmount = 0;
    let promotionTotal = 0;
    for (let l = 0; l < lineCount; l++) {
      const product = PRODUCTS[(i + l * 2) % PRODUCTS.length]!;
      const itemNum = int(1, 3);
      const sumAmount = product.price * itemNum;
      const post = l === 0 ? postAmount : 0;
      const promotion = random() < 0.5 ? Math.min(sumAmount - 1, int(1, 20) * 50) : 0;
      const lineOrderAmount = sumAmount + post;
      const payAmount = lineOrderAmount - promotion;
      orderAmount += lineOrderAmount;
      promotionTotal += promotion;
      const skuOrderId = l === 0 ? orderId : String(BigInt(orderId) + BigInt(l));
      const afterSale = refundedBeforeShipping ? { after_sale_status: 12, after_sale_type: 2, refund_status: 3 } : status === 5 && l === 1 ? { after_sale_status: 6, after_sale_type: 0, refund_status: 1 } : { after_sale_status: 0, after_sale_type: 0, refund_status: 0 };
      lines.push({
        order_id: skuOrderId,
        parent_order_id: orderId,
        order_level: 3,
        product_id: 3701938475610298874n + BigInt(i * 10 + l),
        product_id_str: String(3701938475610298874n + BigInt(i * 10 + l)),
        product_name: product.name,
        product_pic: `https://p3-aio.ecombdimg.com/obj/ecom-shop-material/v1_${skuOrderId.slice(-8)}`,
        sku_id: 1812093355402210 + i * 10 + l,
        out_sku_id: `${product.code}-${l}`,
        out_product_id: '0',
        code: product.code,
        supplier_id: '',
        spec: [{ name: product.spec[0], value: product.spec[1] }],
        item_num: itemNum,
        origin_amount: product.price,
        sum_amount: sumAmount,
        order_amount: lineOrderAmount,
        pay_amount: payAmount,
        post_amount: post,
        promotion_amount: promotion,
        promotion_shop_amount: promotion,
        promotion_platform_amount: 0,
        promotion_talent_amount: 0,
        promotion_pay_amount: 0,
        shop_cost_amount: promotion,
        platform_cost_amount: 0,
        author_cost_amount: 0,
        modify_amount: 0,
        tax_amount: 0,
        trade_type: 0,
        trade_type_desc: '普通',
        pre_sale_type: 0,
        order_type: virtual ? 2 : 0,
        goods_type: virtual ? 1 : 0,
        order_status: status,
        order_status_desc: STATUS_DESC[status],
        main_status: mainStatus,
        main_status_desc: refundedBeforeShipping ? '发货前退款完结' : STATUS_DESC[status],
        create_time: createTime,
        pay_time: payTime,
        update_time: updateTime,
        exp_ship_time: paid ? payTime + 172_800 : 0,
        ship_time: status === 3 || status === 5 ? updateTime - 60 : 0,
        finish_time: status === 5 ? updateTime : 0,
        after_sale_info: afterSale,
        is_comment: 0,
        first_cid: 20000,
        second_cid: 20001,
        third_cid: 20002 + l,
        fourth_cid: 0,
        reduce_stock_type: 2,
        reduce_stock_type_desc: '支付减库存',
        receive_type: 1,
        theme_type: '0',
        author_id: 0,
        author_name: '',
        room_id: 0,
        room_id_str: '0',
        video_id: '',
        campaign_info: [],
      });
    }
    const payAmount = orderAmount - promotionTotal;

    const name = pick(SURNAMES) + pick(GIVEN);
    const phone = `1${pick(['38', '39', '58', '86'])}${String(int(10000000, 99999999))}`;
    const place = pick(PLACES);
    const detail = `${place.road}${int(1, 999)}号${int(1, 20)}栋${int(101, 2505)}室`;
    const cipher = (kind: '#' | '$', text: string, n: number) => {
      const c = kind === '#' ? `##${b64(`${orderId}:${n}:${text}`)}*CgYIASAHKAESPgo8${b64(orderId).slice(0, 16)}#1##` : `$$${b64(`${orderId}:${n}:${text}`)}*CgYIASAHKAESPgo8${b64(orderId).slice(0, 16)}$1$$`;
      plaintexts.byCipher.set(c, { authId: orderId, text, dataType: n });
      return c;
    };
    const area = (withDetail: Record<string, string>) => ({
      province: { name: place.province[0], id: place.province[1] },
      city: { name: place.city[0], id: place.city[1] },
      town: { name: place.town[0], id: place.town[1] },
      street: { name: place.street[0], id: place.street[1] },
      ...withDetail,
    });
    const emptyArea = () => ({ province: { name: '', id: '' }, city: { name: '', id: '' }, town: { name: '', id: '' }, street: { name: '', id: '' }, detail: '' });
    const pii = virtual
      ? { encrypt_post_receiver: '', encrypt_post_tel: '', post_addr: { ...emptyArea(), encrypt_detail: '' }, mask_post_receiver: '', mask_post_tel: '', mask_post_addr: emptyArea(), open_address_id: '' }
      : {
          encrypt_post_receiver: cipher('#', name, 2),
          encrypt_post_tel: cipher('$', phone, 3),
          post_addr: area({ encrypt_detail: cipher('#', detail, 1) }),
          mask_post_receiver: `${name[0]}**`,
          mask_post_tel: `${phone[0]}*******${phone.slice(-3)}`,
          mask_post_addr: area({ detail: `${place.road}***号****` }),
          open_address_id: `#${b64(`addr-${orderId}`)}`,
        };

    orders.push({
      order_id: orderId,
      order_level: 2,
      shop_id: shopId,
      shop_name: '杭州某某旗舰店',
      open_id: '',
      biz: 2,
      biz_desc: '小店',
      order_type: virtual ? 2 : 0,
      order_type_desc: virtual ? '虚拟订单' : '普通订单',
      trade_type: 0,
      trade_type_desc: '普通',
      order_status: status,
      order_status_desc: STATUS_DESC[status],
      main_status: mainStatus,
      main_status_desc: refundedBeforeShipping ? '发货前退款完结' : STATUS_DESC[status],
      b_type: 2,
      b_type_desc: '抖音',
      sub_b_type: 1,
      sub_b_type_desc: 'app内-原生',
      app_id: 1128,
      pay_type: paid ? 1 : 0,
      channel_payment_no: paid ? `42000023452025${String(int(100000000000, 999999999999))}` : '',
      create_time: createTime,
      pay_time: payTime,
      update_time: updateTime,
      finish_time: status === 5 ? updateTime : 0,
      ship_time: status === 3 || status === 5 ? updateTime - 60 : 0,
      exp_ship_time: paid ? payTime + 172_800 : 0,
      order_expire_time: 1800,
      appointment_ship_time: 0,
      cancel_reason: status === 4 ? (paid ? '不想要了' : '超时未支付') : '',
      buyer_words: i % 5 === 0 ? '请尽快发货' : '',
      seller_words: '',
      seller_remark_stars: 0,
      order_amount: orderAmount,
      pay_amount: payAmount,
      post_amount: postAmount,
      post_insurance_amount: 0,
      modify_amount: 0,
      modify_post_amount: 0,
      promotion_amount: promotionTotal,
      promotion_shop_amount: promotionTotal,
      promotion_platform_amount: 0,
      promotion_talent_amount: 0,
      promotion_pay_amount: 0,
      promotion_redpack_amount: 0,
      promotion_redpack_platform_amount: 0,
      promotion_redpack_talent_amount: 0,
      shop_cost_amount: promotionTotal,
      platform_cost_amount: 0,
      author_cost_amount: 0,
      only_platform_cost_amount: 0,
      post_origin_amount: postAmount,
      post_promotion_amount: 0,
      total_promotion_amount: promotionTotal,
      tax_amount: 0,
      packing_amount: 0,
      doudian_open_id: `1@#${b64(`buyer-${i % 37}`)}`,
      ...pii,
      user_tag_ui: [],
      shop_order_tag_ui: [],
      address_tag_ui: [],
      logistics_info: [],
      order_phase_list: [],
      serial_number_list: [],
      sku_order_list: lines,
    });
  }
  return orders;
}

/** A searchList entry: the detail without what only orderDetail carries. */
export function listEntry(order: SandboxOrder): Record<string, unknown> {
  const { promotion_detail: _p, ...rest } = order as Record<string, unknown>;
  return { ...rest, sku_order_list: order.sku_order_list.map(({ campaign_info: _c, promotion_detail: _d, ...sku }) => sku) };
}
