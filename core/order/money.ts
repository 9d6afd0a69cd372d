/**
 * Money conversions. Inside the hub money is an integer count of minor units (fen);
 * conversions work on the decimal digits, so no float ever rounds an amount.
 */

export class MoneyFormatError extends Error {
  override name = 'MoneyFormatError';
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Converts a decimal amount in major units (yuan) to minor units (fen), by its digits.
 * Accepts a decimal string or a JSON number (read back through its shortest decimal form).
 *
 * @example
 * yuanToFen('19.99') // 1999
 * yuanToFen('0.5')   // 50
 * yuanToFen(12)      // 1200
 */
export function yuanToFen(value: string | number, decimals = 2): number {
  const text = typeof value === 'number' ? numberToDecimal(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new MoneyFormatError(`"${text}" is not a decimal amount (expected digits like 19.99)`);
  }
  const [, sign, whole = '', fraction = ''] = match;
  const kept = fraction.slice(0, decimals);
  const dropped = fraction.slice(decimals);
  if (/[^0]/.test(dropped)) {
    throw new MoneyFormatError(`"${text}" has more than ${decimals} decimal places`);
  }
  const digits = (whole + kept.padEnd(decimals, '0')).replace(/^0+(?=\d)/, '');
  const fen = Number(digits);
  if (!Number.isSafeInteger(fen)) throw new MoneyFormatError(`"${text}" is too large`);
  return sign === '-' && fen !== 0 ? -fen : fen;
}

/**
 * Reads an amount already in minor units: an integer, or a string of digits.
 *
 * @example
 * fenToFen('1999') // 1999
 */
export function fenToFen(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    throw new MoneyFormatError(`${value} is not a whole number of fen`);
  }
  const text = value.trim();
  if (!/^[+-]?\d+$/.test(text)) throw new MoneyFormatError(`"${text}" is not a whole number of fen`);
  const fen = Number(text);
  if (!Number.isSafeInteger(fen)) throw new MoneyFormatError(`"${text}" is too large`);
  return fen;
}

/**
 * Formats minor units as a decimal string in major units, for targets that want yuan.
 *
 * @example
 * fenToYuan(1999) // '19.99'
 * fenToYuan(-5)   // '-0.05'
 */
export function fenToYuan(fen: number, decimals = 2): string {
  if (!Number.isSafeInteger(fen)) throw new MoneyFormatError(`${fen} is not a whole number of fen`);
  const digits = Math.abs(fen).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${fen < 0 ? '-' : ''}${whole}${decimals > 0 ? '.' + fraction : ''}`;
}

/** A JSON number written back as plain decimal digits (never exponent form). */
function numberToDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyFormatError(`${value} is not an amount`);
  const text = String(value);
  if (/e/i.test(text)) throw new MoneyFormatError(`${text} is out of range for an amount`);
  return text;
}
