import { describe, expect, it } from 'vitest';
import { createSealer, isSealed, parseDataKeys, SealingError } from './sealing.ts';

const KEY_A = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const KEY_B = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));
const receiver = { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: '南京西路1266号' };

describe('sealing receivers at rest', () => {
  it('seals name, phone and address with the first key, tagged with its id, and opens them again', async () => {
    const sealer = await createSealer(parseDataKeys(`k2=${KEY_B}, k1=${KEY_A}`));
    const sealed = await sealer.sealOrder({ receiver });
    expect(sealed.receiver).toMatchObject({ province: '上海市', city: '上海市', district: '静安区' });
    for (const field of ['name', 'phone', 'address'] as const) {
      expect(sealed.receiver[field]).toMatch(/^sealed:v1:k2:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
      expect(sealed.receiver[field]).not.toContain(receiver[field]);
    }
    // A fresh IV each time: the same phone never seals to the same text.
    expect((await sealer.seal('13800138000')) === (await sealer.seal('13800138000'))).toBe(false);
    expect(await sealer.openOrder(sealed)).toEqual({ receiver });
  });

  it('opens values sealed with an older key still listed, and plain values as they are', async () => {
    const old = await createSealer(parseDataKeys(`k1=${KEY_A}`));
    const rotated = await createSealer(parseDataKeys(`k2=${KEY_B},k1=${KEY_A}`));
    expect(await rotated.open(await old.seal('13800138000'))).toBe('13800138000');
    expect(await rotated.open('13800138000')).toBe('13800138000');
    expect(isSealed(await rotated.seal('x'))).toBe(true);
  });

  it('says which key is missing or wrong, and never prints a key', async () => {
    const sealed = await (await createSealer(parseDataKeys(`k1=${KEY_A}`))).seal('13800138000');
    const other = await createSealer(parseDataKeys(`k9=${KEY_B}`));
    await expect(other.open(sealed)).rejects.toThrow('a value is sealed with key "k1", which HUB_DATA_KEYS does not hold (it holds k9)');
    const wrong = await createSealer(parseDataKeys(`k1=${KEY_B}`));
    await expect(wrong.open(sealed)).rejects.toThrow(SealingError);
    await expect(wrong.open(sealed)).rejects.toThrow('the key is wrong');
    expect(() => parseDataKeys('k1=c2hvcnQ=')).toThrow('HUB_DATA_KEYS key "k1" is 5 bytes; AES-256 needs 32');
    expect(() => parseDataKeys('no-equals-sign')).toThrow('HUB_DATA_KEYS entry 1 must be <id>=<base64 of 32 bytes>');
  });
});
