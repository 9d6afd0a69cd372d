/**
 * Prefixed, time-sortable ids (`ord_`, `inb_`, `dlv_` …): 10 characters of millisecond time
 * in Crockford base32, then 12 of randomness. Sorting ids sorts by creation time.
 *
 * @example
 * newId('ord') // 'ord_01HXYZ5K9Q7M3TVA8BC2DEFG4H'
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = 0;
let lastRandom: number[] = [];

function timePart(ms: number): string {
  let time = '';
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  return time;
}

/**
 * The smallest id of a prefix made at or after `ms`: `id >= idFloor('ord', since)` reads a time
 * range through the primary key.
 */
export function idFloor(prefix: string, ms: number): string {
  return `${prefix}_${timePart(ms)}`;
}

export function newId(prefix: string, now = Date.now()): string {
  const time = timePart(now);
  let random: number[];
  if (now === lastTime) {
    // Same millisecond: count up from the last id so ids stay ordered within one process.
    random = [...lastRandom];
    for (let i = random.length - 1; i >= 0; i--) {
      if (random[i]! < 31) {
        random[i]!++;
        break;
      }
      random[i] = 0;
    }
  } else {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    random = [...bytes].map((b) => b % 32);
    random[0] = random[0]! % 16; // headroom for counting up
  }
  lastTime = now;
  lastRandom = random;
  return `${prefix}_${time}${random.map((n) => ALPHABET[n]).join('')}`;
}
