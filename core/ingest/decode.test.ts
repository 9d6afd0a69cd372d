import { describe, expect, it } from 'vitest';
import { PayloadSyntaxError } from '../payload/json.ts';
import { decodeJson } from './decode.ts';

describe('decodeJson', () => {
  it('keeps ids past 2^53 exact as digit strings, and everything else as JSON.parse reads it', () => {
    expect(decodeJson('{"tid": 2938475610293847561, "oids": [2938475610294847561, 12], "n": 9007199254740991, "p": 19.99}')).toEqual([
      { tid: '2938475610293847561', oids: ['2938475610294847561', 12], n: 9007199254740991, p: 19.99 },
    ]);
  });

  it('leaves digits inside strings alone', () => {
    expect(decodeJson('{"memo": "单号:2938475610293847561,谢谢", "tid": 2938475610293847561}')).toEqual([{ memo: '单号:2938475610293847561,谢谢', tid: '2938475610293847561' }]);
  });

  it('says where malformed text is', () => {
    expect(() => decodeJson('{"a": 1,\n "b": }')).toThrow(PayloadSyntaxError);
    expect(() => decodeJson('{"a": 1,\n "b": }')).toThrow('line 2, column 7');
  });
});
