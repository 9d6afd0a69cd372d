import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aliyunTimestamp, canonicalizedQuery, percentEncode, signAliyunRpc, stringToSign } from './sign.ts';

/**
 * The SendSms example of Aliyun's SMS signature docs ("HTTP协议及签名" / "请求签名",
 * help.aliyun.com/document_detail/56189 and /101343): AccessKeyId testId, AccessKeySecret testSecret.
 */
const SMS_DOC_PARAMS = {
  AccessKeyId: 'testId',
  Action: 'SendSms',
  Format: 'XML',
  OutId: '123',
  PhoneNumbers: '15300000001',
  RegionId: 'cn-hangzhou',
  SignName: '阿里云短信测试专用',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
  SignatureVersion: '1.0',
  TemplateCode: 'SMS_71390007',
  TemplateParam: '{"customer":"test"}',
  Timestamp: '2017-07-12T02:42:19Z',
  Version: '2017-05-25',
};
const SMS_DOC_STRING_TO_SIGN =
  'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25';

/** The DescribeRegions example of the ECS signature docs (developer.aliyun.com/ask/210168): testid / testsecret. */
const ECS_DOC_PARAMS = {
  TimeStamp: '2016-02-23T12:46:24Z',
  Format: 'XML',
  AccessKeyId: 'testid',
  Action: 'DescribeRegions',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
  Version: '2014-05-26',
  SignatureVersion: '1.0',
};

/** The documented recipe, computed independently: byte-wise RFC 3986 encoding and node:crypto. */
function reference(params: Record<string, string>, method: string, secret: string): string {
  const encode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k]!)}`)
    .join('&');
  return createHmac('sha1', `${secret}&`).update(`${method}&${encode('/')}&${encode(canonical)}`, 'utf8').digest('base64');
}

describe('the Aliyun RPC signature (V1, HMAC-SHA1)', () => {
  it("reproduces the SendSms example of Aliyun's SMS docs, string-to-sign and signature", async () => {
    expect(stringToSign(SMS_DOC_PARAMS, 'GET')).toBe(SMS_DOC_STRING_TO_SIGN);
    expect(await signAliyunRpc(SMS_DOC_PARAMS, 'GET', 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    // The docs' final URL carries it percent-encoded.
    expect(percentEncode('zJDF+Lrzhj/ThnlvIToysFRq6t4=')).toBe('zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D');
    // A Signature already in the parameters is not signed over.
    expect(await signAliyunRpc({ ...SMS_DOC_PARAMS, Signature: 'old' }, 'GET', 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it("reproduces the DescribeRegions example of Aliyun's ECS docs", async () => {
    expect(await signAliyunRpc(ECS_DOC_PARAMS, 'GET', 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
    // The same request with the parameter spelled Timestamp, as later revisions of the doc print it.
    const { TimeStamp, ...rest } = ECS_DOC_PARAMS;
    expect(await signAliyunRpc({ ...rest, Timestamp: TimeStamp }, 'GET', 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('matches an independent node:crypto computation for awkward characters, both methods', async () => {
    const params = {
      AccessKeyId: 'LTAI5tSandbox',
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: '13812345678',
      SignName: '茶小铺',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: 'nonce-1',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_460002',
      TemplateParam: JSON.stringify({ title: "龙井 250g * 2 (礼盒) it's ~ok! a+b/c=d&e", emoji: '🍵', quote: '"' }),
      Timestamp: '2024-05-01T02:00:00Z',
      Version: '2017-05-25',
      lower: 'sorted after every upper-case name',
    };
    for (const method of ['GET', 'POST'] as const) {
      for (const secret of ['s3cr3t', 'with space&amp', '密钥']) {
        expect(await signAliyunRpc(params, method, secret)).toBe(reference(params, method, secret));
      }
    }
    expect(await signAliyunRpc(params, 'GET', 's')).not.toBe(await signAliyunRpc(params, 'POST', 's'));
  });

  it("percent-encodes by Aliyun's rules: space %20, * %2A, ~ kept, ! ' ( ) encoded, UTF-8 bytes", () => {
    expect(percentEncode('a b')).toBe('a%20b');
    expect(percentEncode('*')).toBe('%2A');
    expect(percentEncode('~-_.')).toBe('~-_.');
    expect(percentEncode("!'()")).toBe('%21%27%28%29');
    expect(percentEncode('/=&+')).toBe('%2F%3D%26%2B');
    expect(percentEncode('派')).toBe('%E6%B4%BE');
    expect(canonicalizedQuery({ b: '2', a: '1', B: '3', Signature: 'x' })).toBe('B=3&a=1&b=2');
  });

  it('formats Timestamp as UTC ISO 8601 without milliseconds', () => {
    expect(aliyunTimestamp(Date.parse('2017-07-12T02:42:19.512Z'))).toBe('2017-07-12T02:42:19Z');
    expect(aliyunTimestamp(Date.parse('2024-05-01T10:00:00+08:00'))).toBe('2024-05-01T02:00:00Z');
  });
});
