/**
 * Qimen bodies are XML: `<?xml version="1.0" encoding="utf-8"?><request>…</request>` going out,
 * `<response>…</response>` coming back. Both directions go through fast-xml-parser (XMLBuilder,
 * XMLValidator, XMLParser); nothing here escapes or parses by hand.
 *
 * - Building: element order is the model's key order; `&`, `<`, `>`, `"` and `'` are escaped by
 *   the builder. Characters XML 1.0 cannot carry at all (C0 controls other than tab, CR and LF,
 *   U+FFFE/U+FFFF, unpaired surrogates) are dropped first: a buyer's message with a stray
 *   control character would otherwise make the whole document unreadable to the WMS.
 * - Parsing: the text is validated first (a truncated answer must not read as a half answer),
 *   values stay strings (`007` stays `007`), entities and character references are decoded, and
 *   the repeating elements Qimen uses (`orderLine`, `package`, `item`, `batch`, `deliveryOrder`)
 *   always come back as arrays.
 *
 * @example
 * buildXml({ request: { deliveryOrder: { deliveryOrderCode: 'DO-1', remark: '<急>' } } })
 * // '<?xml version="1.0" encoding="utf-8"?><request><deliveryOrder><deliveryOrderCode>DO-1</deliveryOrderCode><remark>&lt;急&gt;</remark></deliveryOrder></request>'
 * parseXml('<response><flag>success</flag></response>') // { response: { flag: 'success' } }
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { truncate } from '../../core/outbox/http-answer.ts';
export { truncate } from '../../core/outbox/http-answer.ts';

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

export class XmlError extends Error {
  override name = 'XmlError';
}

/** Elements that repeat in Qimen documents; they parse as arrays even when there is one. */
const REPEATING = new Set(['orderLine', 'package', 'item', 'batch', 'invoice', 'subSourceOrder', 'packageMaterial']);

const builder = new XMLBuilder({ format: false, suppressEmptyNode: false, ignoreAttributes: true });

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  // `deliveryOrder` is one element under request/response, and repeats under `deliveryOrders`.
  isArray: (name, jPath) => (name === 'deliveryOrder' ? String(jPath).endsWith('deliveryOrders.deliveryOrder') : REPEATING.has(name)),
});

/** Removes what XML 1.0 cannot represent (see the module comment). */
export function xmlSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

/** A copy of a model with every string made XML-safe; numbers and booleans become their text. */
function clean(value: unknown): unknown {
  if (typeof value === 'string') return xmlSafe(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) throw new XmlError(`"${key}" cannot be an XML element name`);
      out[key] = clean(v);
    }
    return out;
  }
  return value;
}

/** One XML document from a JSON model with a single root key, declaration first. */
export function buildXml(model: Record<string, unknown>): string {
  const roots = Object.keys(model);
  if (roots.length !== 1) throw new XmlError(`an XML document has one root element, not ${roots.length} (${roots.join(', ')})`);
  return XML_DECLARATION + (builder.build(clean(model)) as string);
}

/** The JSON model of an XML document; throws XmlError when the text is not well-formed XML. */
export function parseXml(text: string): Record<string, unknown> {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed.startsWith('<')) throw new XmlError(`not XML: ${truncate(trimmed)}`);
  const valid = XMLValidator.validate(trimmed);
  if (valid !== true) throw new XmlError(`not well-formed XML (${valid.err.msg}, line ${valid.err.line}): ${truncate(trimmed)}`);
  const parsed = parser.parse(trimmed) as unknown;
  if (!parsed || typeof parsed !== 'object') throw new XmlError(`not XML: ${truncate(trimmed)}`);
  return parsed as Record<string, unknown>;
}

/** A string field of a parsed element ('' and absent alike give undefined). */
export function text(node: unknown, key: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as Record<string, unknown>)[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return undefined;
  const s = String(value);
  return s === '' ? undefined : s;
}

/** A child element (an object), or undefined. */
export function child(node: unknown, key: string): Record<string, unknown> | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as Record<string, unknown>)[key];
  if (Array.isArray(value)) return value[0] && typeof value[0] === 'object' ? (value[0] as Record<string, unknown>) : undefined;
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The repeated elements under a wrapper: `list(node, 'orderLines', 'orderLine')`. */
export function list(node: unknown, wrapper: string, item: string): Array<Record<string, unknown>> {
  const holder = child(node, wrapper);
  if (!holder) return [];
  const value = holder[item];
  const items = Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
  return items.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object');
}

