/**
 * Realistic JD POP `orderInfo` objects for the simulator, made from a seed: every orderState,
 * Chinese addresses, money as yuan strings, sku-level and order-level coupons (单品促销, 店铺优惠,
 * 京东券, 京豆), balance used, freight, cash on delivery, LOC (到店) orders without an address,
 * after-sale re-shipments, JD and cloud warehouses. Modified times are spread over a window, a
 * few orders sharing one second (JD keeps seconds only).
 *
 * The amounts hold together the way JOS documents them: orderTotalPrice = Σ jdPrice × itemTotal;
 * orderSellerPrice = orderTotalPrice − sellerDiscount (the seller's coupons);
 * orderPayment = orderSellerPrice − platform coupons − balanceUsed + freightPrice.
 *
 * @example
 * const orders = generateOrders({ count: 120, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 7 });
 */

export type OrderInfo = Record<string, unknown> & { orderId: string; modified: string; orderState: string };

export interface GenerateOptions {
  count: number;
  /** Beijing time of the first modified time. */
  from: string;
  /** Modified times spread over this many seconds after `from`. */
  spanSeconds: number;
  seed?: number;
  venderId?: string;
}

/** Every orderState value (mappings/jd.yaml order_state table), cycled through in turn. */
export const ORDER_STATES = [
  ['WAIT_SELLER_STOCK_OUT', '等待出库'],
  ['WAIT_GOODS_RECEIVE_CONFIRM', '等待确认收货'],
  ['FINISHED_L', '完成'],
  ['TRADE_CANCELED', '取消'],
  ['WAIT_SELLER_DELIVERY', '等待发货'],
  ['PAUSE', '暂停'],
  ['POP_ORDER_PAUSE', 'POP业务暂停'],
  ['LOCKED', '已锁定'],
  ['WAIT_SEND_CODE', '等待发码'],
  ['DELIVERY_RETURN', '配送退货'],
  ['UN_KNOWN', '未知'],
  ['SEND_TO_DISTRIBUTION_CENER', '发往配送中心'],
  ['DISTRIBUTION_CENTER_RECEIVED', '配送中心已收货'],
  ['RECEIPTS_CONFIRM', '收款确认'],
  ['PARENT_TRADE_CANCELED', '父单取消'],
] as const;

export const CATALOGUE = [
  { skuId: '100012043978', wareId: '100012043970', outerSkuId: 'HD-KB87-BLK', name: '机械键盘 87键 黑色 茶轴', price: 29900, productNo: 'KB87' },
  { skuId: '100008348542', wareId: '100008348540', outerSkuId: 'HD-PAD-L', name: '加厚鼠标垫 大号', price: 1990, productNo: 'PADL' },
  { skuId: '10054887745652', wareId: '10020665903516', outerSkuId: 'TB-CUP-350-WH', name: '陶瓷马克杯 350ml 白色', price: 5990, productNo: 'CUP350' },
  { skuId: '10054887745653', wareId: '10020665903517', outerSkuId: 'TB-SPN-01', name: '不锈钢咖啡勺 2支装', price: 3900, productNo: 'SPN01' },
  { skuId: '10054887745660', wareId: '10020665903520', outerSkuId: 'TB-CST-04', name: '软木杯垫 4片装', price: 1250, productNo: 'CST04' },
  { skuId: '100035771204', wareId: '100035771200', outerSkuId: 'TEA-MJ-250', name: '蒙顶甘露 明前绿茶 250g', price: 8800, productNo: 'MJ250' },
  { skuId: '100061234500', wareId: '100061234501', outerSkuId: 'PH-X1-128-BLU', name: '智能手机 X1 128G 蓝色', price: 199900, productNo: 'X1' },
  { skuId: '100023456789', wareId: '100023456780', outerSkuId: 'BK-ZH-0001', name: '现代汉语词典 第7版', price: 8990, productNo: 'ZH7' },
  { skuId: '100044120933', wareId: '100044120930', outerSkuId: 'SPA-2H-VCH', name: '双人温泉套票 周末通用', price: 9900, productNo: 'SPA2' },
  { skuId: '100077001122', wareId: '100077001120', outerSkuId: 'RC-WK-5KG', name: '五常大米 稻花香 5kg', price: 6990, productNo: 'WK5' },
];

const ADDRESSES = [
  { province: '广东', provinceId: '19', city: '广州市', cityId: '1601', county: '海珠区', countyId: '3634', town: '赤岗街道', townId: '63199', street: '艺苑路88号3栋1201' },
  { province: '北京', provinceId: '1', city: '朝阳区', cityId: '72', county: '三环以内', countyId: '2799', town: '', townId: '', street: '建国路89号华贸中心2号楼1508' },
  { province: '上海', provinceId: '2', city: '浦东新区', cityId: '2813', county: '城区', countyId: '51976', town: '张江镇', townId: '52446', street: '祖冲之路1000号5号楼302' },
  { province: '四川', provinceId: '22', city: '成都市', cityId: '1930', county: '武侯区', countyId: '49324', town: '玉林街道', townId: '49329', street: '玉林南路12号附5号' },
  { province: '浙江', provinceId: '15', city: '杭州市', cityId: '1213', county: '西湖区', countyId: '3412', town: '西溪街道', townId: '51742', street: '文三路259号昌地火炬大厦1号楼8层' },
  { province: '江苏', provinceId: '12', city: '南京市', cityId: '904', county: '鼓楼区', countyId: '3379', town: '华侨路街道', townId: '51951', street: '中山路18号德基大厦26楼' },
  { province: '湖北', provinceId: '17', city: '武汉市', cityId: '1381', county: '洪山区', countyId: '50950', town: '关东街道', townId: '50953', street: '光谷大道77号金融港B18栋' },
  { province: '陕西', provinceId: '27', city: '西安市', cityId: '2376', county: '雁塔区', countyId: '50232', town: '小寨路街道', townId: '50310', street: '长安中路88号' },
  { province: '新疆', provinceId: '31', city: '乌鲁木齐市', cityId: '2580', county: '天山区', countyId: '2581', town: '', townId: '', street: '解放北路120号' },
];

const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄强', '周杰', '吴倩', '欧阳明', '孙浩'];
const REMARKS = ['', '', '', '请周末送货，谢谢', '尺码拍错了，请发L码', '送人的，请不要放发票', '到了先打电话'];

const SENTINEL = '0001-01-01 00:00:00';

export function generateOrders(options: GenerateOptions): OrderInfo[] {
  const random = mulberry32(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const venderId = options.venderId ?? '10622317';
  const startMs = beijingMs(options.from);
  const orders: OrderInfo[] = [];
  let lastModified = startMs;
  for (let i = 0; i < options.count; i++) {
    const [state, stateRemark] = ORDER_STATES[i % ORDER_STATES.length]!;
    const orderId = String(301000000000 + i * 7919 + Math.floor(random() * 7000));
    // Spread evenly; every ninth order shares the previous one's second.
    const modifiedMs = i > 0 && i % 9 === 0 ? lastModified : startMs + Math.floor(((i + random() * 0.5) * options.spanSeconds * 1000) / Math.max(1, options.count));
    lastModified = modifiedMs;
    const createdMs = modifiedMs - (60 + Math.floor(random() * 3600)) * 1000;
    const loc = state === 'WAIT_SEND_CODE';
    const cod = !loc && (state === 'TRADE_CANCELED' ? i % 2 === 1 : state === 'FINISHED_L' && i % 3 === 0);
    const unpaid = cod && state === 'TRADE_CANCELED';

    const count = loc ? 1 : 1 + Math.floor(random() * 3);
    const items: Array<(typeof CATALOGUE)[number] & { quantity: number }> = [];
    for (const product of shuffle(loc ? [CATALOGUE[8]!] : CATALOGUE.filter((p) => p.skuId !== '100044120933'), random).slice(0, count)) {
      items.push({ ...product, quantity: 1 + Math.floor(random() * 3) });
    }
    const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
    const coupons: Array<{ skuId: string; couponType: string; fen: number }> = [];
    for (const item of items) {
      const subtotal = item.price * item.quantity;
      if (random() < 0.35 && subtotal >= 2000) coupons.push({ skuId: item.skuId, couponType: '30-单品促销优惠', fen: Math.min(1000, Math.floor(subtotal / 10 / 50) * 50 || 50) });
    }
    if (random() < 0.3 && total >= 10000) coupons.push({ skuId: '', couponType: '100-店铺优惠', fen: 500 });
    const sellerDiscount = coupons.reduce((sum, c) => sum + c.fen, 0);
    const platform: Array<{ skuId: string; couponType: string; fen: number }> = [];
    if (random() < 0.25 && total >= 20000) platform.push({ skuId: '', couponType: '41-京东券优惠', fen: 1500 });
    if (random() < 0.2 && total >= 3000) platform.push({ skuId: '', couponType: '39-京豆优惠', fen: 100 + Math.floor(random() * 3) * 100 });
    const balanceUsed = !cod && random() < 0.1 && total >= 50000 ? 2000 : 0;
    const freight = loc ? 0 : pick([0, 0, 600, 800]);
    const sellerPrice = total - sellerDiscount;
    const payment = sellerPrice - platform.reduce((sum, c) => sum + c.fen, 0) - balanceUsed + freight;

    const address = pick(ADDRESSES);
    const name = pick(NAMES);
    const mobile = `1${pick(['38', '39', '58', '86', '35'])}****${String(1000 + Math.floor(random() * 9000))}`;
    const paidMs = createdMs + (15 + Math.floor(random() * 60)) * 1000;
    const ended = ['FINISHED_L', 'TRADE_CANCELED', 'PARENT_TRADE_CANCELED', 'RECEIPTS_CONFIRM'].includes(state);
    const returnOrder = i % 13 === 5 ? '1' : i % 17 === 6 ? '2' : '0';
    const shipped = ['WAIT_GOODS_RECEIVE_CONFIRM', 'FINISHED_L', 'DELIVERY_RETURN', 'SEND_TO_DISTRIBUTION_CENER', 'DISTRIBUTION_CENTER_RECEIVED', 'RECEIPTS_CONFIRM'].includes(state);

    orders.push({
      orderId,
      venderId,
      orderType: loc ? '75' : '22',
      payType: cod ? '1-货到付款' : '4-在线支付',
      orderTotalPrice: yuan(total),
      orderSellerPrice: yuan(sellerPrice),
      orderPayment: yuan(payment),
      freightPrice: yuan(freight),
      sellerDiscount: yuan(sellerDiscount),
      balanceUsed: yuan(balanceUsed),
      orderState: state,
      orderStateRemark: stateRemark,
      deliveryType: '任意时间',
      invoiceInfo: '不需要开具发票',
      invoiceEasyInfo: { invoiceType: '0', invoiceContentId: '1', invoiceTitle: '' },
      vatInfo: [],
      orderRemark: pick(REMARKS),
      venderRemark: '',
      orderStartTime: beijing(createdMs),
      paymentConfirmTime: unpaid ? SENTINEL : beijing(paidMs),
      orderEndTime: ended ? beijing(modifiedMs) : SENTINEL,
      modified: beijing(modifiedMs),
      pin: `jd_${(orderId.slice(-6) + 'a9f3').slice(0, 10)}`,
      open_id_buyer: token(random, 43),
      xid_buyer: random() < 0.5 ? `o*AAQ${token(random, 60)}` : '',
      returnOrder,
      waybill: shipped ? `JDVA${String(25930148821 + i)}` : '',
      logisticsId: shipped ? '1274' : '',
      parentOrderId: orderId,
      directParentOrderId: orderId,
      orderSource: pick(['移动端订单', '移动端订单', 'PC端订单', '微信订单']),
      storeOrder: pick(['', '', '京仓订单', '云仓订单']),
      storeId: '0',
      idSopShipmenttype: pick([67, 68, 69]),
      consigneeInfo: loc
        ? { fullname: name, telephone: '', mobile, fullAddress: '', province: '', provinceId: '0', city: '', cityId: '0', county: '', countyId: '0', town: '', townId: '0' }
        : {
            fullname: name,
            telephone: '',
            mobile,
            fullAddress: `${address.province}${address.city}${address.county}${address.town}${address.street}`,
            province: address.province,
            provinceId: address.provinceId,
            city: address.city,
            cityId: address.cityId,
            county: address.county,
            countyId: address.countyId,
            town: address.town,
            townId: address.townId,
          },
      itemInfoList: items.map((item) => ({
        skuId: item.skuId,
        outerSkuId: item.outerSkuId,
        skuName: item.name,
        jdPrice: yuan(item.price),
        itemTotal: String(item.quantity),
        wareId: item.wareId,
        productNo: item.productNo,
        giftPoint: '0',
        newStoreId: '0',
        invoiceContentId: '1',
      })),
      couponDetailList: [...coupons, ...platform].map((c) => ({ orderId, skuId: c.skuId, couponType: c.couponType, couponPrice: yuan(c.fen) })),
    });
  }
  return orders;
}

/** Fen → "12.34". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Beijing `yyyy-MM-dd HH:mm:ss` → epoch ms. */
export function beijingMs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`not a Beijing time: ${text}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - 8 * 3600_000;
}

/** Epoch ms → Beijing `yyyy-MM-dd HH:mm:ss`. */
export function beijing(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function token(random: () => number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
