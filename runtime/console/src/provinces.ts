/**
 * Mainland provinces as a tile grid map: one square per province, placed roughly where it lies
 * (column west → east, row north → south). Squares keep small provinces as visible as large
 * ones, and the console ships no boundary data.
 */
export const PROVINCE_TILES: Array<{ name: string; x: number; y: number }> = [
  { name: '黑龙江', x: 9, y: 0 },
  { name: '吉林', x: 9, y: 1 },
  { name: '新疆', x: 1, y: 1 },
  { name: '内蒙古', x: 6, y: 1 },
  { name: '辽宁', x: 8, y: 2 },
  { name: '甘肃', x: 3, y: 2 },
  { name: '宁夏', x: 4, y: 2 },
  { name: '山西', x: 5, y: 2 },
  { name: '河北', x: 6, y: 2 },
  { name: '北京', x: 7, y: 2 },
  { name: '青海', x: 2, y: 3 },
  { name: '陕西', x: 4, y: 3 },
  { name: '河南', x: 5, y: 3 },
  { name: '山东', x: 6, y: 3 },
  { name: '天津', x: 7, y: 3 },
  { name: '西藏', x: 1, y: 4 },
  { name: '四川', x: 3, y: 4 },
  { name: '重庆', x: 4, y: 4 },
  { name: '湖北', x: 5, y: 4 },
  { name: '安徽', x: 6, y: 4 },
  { name: '江苏', x: 7, y: 4 },
  { name: '上海', x: 8, y: 4 },
  { name: '云南', x: 3, y: 5 },
  { name: '贵州', x: 4, y: 5 },
  { name: '湖南', x: 5, y: 5 },
  { name: '江西', x: 6, y: 5 },
  { name: '浙江', x: 7, y: 5 },
  { name: '广西', x: 4, y: 6 },
  { name: '广东', x: 5, y: 6 },
  { name: '福建', x: 6, y: 6 },
  { name: '台湾', x: 7, y: 6 },
  { name: '海南', x: 4, y: 7 },
  { name: '香港', x: 5, y: 7 },
  { name: '澳门', x: 6, y: 7 },
];

/** 广东省, 上海市, 广西壮族自治区 … → the tile's short name. */
export function provinceName(name: string): string {
  return name.replace(/(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$/, '');
}
