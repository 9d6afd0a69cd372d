import { describe, expect, it } from 'vitest';
import { buildXml, list, parseXml, text, xmlSafe, XmlError } from './xml.ts';

describe('building a Qimen body', () => {
  it('keeps Chinese text as it is and escapes & < > " \' in values, in key order, declaration first', () => {
    const xml = buildXml({
      request: {
        deliveryOrder: { deliveryOrderCode: 'DO-1', buyerNick: '抖音用户<小明>', buyerMessage: '请用"顺丰"发 & 周末送 🎁', receiverInfo: { name: "O'Brien 李", detailAddress: '南山区 <A座> 10楼 & 11楼' } },
        orderLines: { orderLine: [{ itemCode: 'A&B', planQty: 2 }, { itemCode: 'C', planQty: 1 }] },
      },
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="utf-8"?><request><deliveryOrder><deliveryOrderCode>DO-1</deliveryOrderCode>' +
        '<buyerNick>抖音用户&lt;小明&gt;</buyerNick><buyerMessage>请用&quot;顺丰&quot;发 &amp; 周末送 🎁</buyerMessage>' +
        '<receiverInfo><name>O&apos;Brien 李</name><detailAddress>南山区 &lt;A座&gt; 10楼 &amp; 11楼</detailAddress></receiverInfo></deliveryOrder>' +
        '<orderLines><orderLine><itemCode>A&amp;B</itemCode><planQty>2</planQty></orderLine><orderLine><itemCode>C</itemCode><planQty>1</planQty></orderLine></orderLines></request>',
    );
  });

  it('reads back exactly what it wrote', () => {
    const values = { a: '张三 & 李四 <王五> "引号" \'单引号\' ]]> &amp; 🎁', b: '  前后空格不丢  '.trim(), n: '007' };
    const parsed = parseXml(buildXml({ request: values }));
    expect(parsed).toEqual({ request: values });
  });

  it('drops characters XML 1.0 cannot carry (controls, U+FFFE, lone surrogates) and keeps tab, CR, LF and emoji', () => {
    expect(xmlSafe('a\u0000b\u0001c\u0008d\u000Be\u001Ff\uFFFEg\uD800h\tI\r\nJ🎁')).toBe('abcdefgh\tI\r\nJ🎁');
    expect(buildXml({ r: { m: '留言\u0007带响铃' } })).toBe('<?xml version="1.0" encoding="utf-8"?><r><m>留言带响铃</m></r>');
  });

  it('refuses names that cannot be elements and documents with several roots', () => {
    expect(() => buildXml({ r: { 'bad name': 'x' } })).toThrow(XmlError);
    expect(() => buildXml({ a: 1, b: 2 })).toThrow('one root element');
  });
});

describe('reading a Qimen answer', () => {
  it('decodes entities and character references, keeps values as strings, and lists repeating elements', () => {
    const doc = parseXml(
      '<?xml version="1.0" encoding="utf-8"?>\n<response><flag>success</flag><code>0</code><message>&#25104;&#x529F; &amp; ok</message><totalLines>007</totalLines>' +
        '<deliveryOrder><deliveryOrderCode>DO-1</deliveryOrderCode></deliveryOrder><orderLines><orderLine><itemCode>A</itemCode></orderLine></orderLines></response>',
    );
    const response = doc.response as Record<string, unknown>;
    expect(text(response, 'message')).toBe('成功 & ok');
    expect(text(response, 'totalLines')).toBe('007');
    expect(text(response.deliveryOrder, 'deliveryOrderCode')).toBe('DO-1');
    expect(list(response, 'orderLines', 'orderLine')).toEqual([{ itemCode: 'A' }]);
  });

  it('reads CDATA', () => {
    expect(parseXml('<response><message><![CDATA[x & <y>]]></message></response>')).toEqual({ response: { message: 'x & <y>' } });
  });

  it('refuses text that is not XML, and a truncated document, instead of reading half of it', () => {
    expect(() => parseXml('Service Unavailable')).toThrow(XmlError);
    expect(() => parseXml('<response><flag>succ')).toThrow('not well-formed XML');
    expect(() => parseXml('')).toThrow(XmlError);
  });
});
