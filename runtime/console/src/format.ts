/** Fen (integer) as yuan text: digits only, no float on the way. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
}

export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '');

export const json = (value: unknown) => JSON.stringify(value, null, 2);
