/**
 * hub.yaml: the merchant's configuration. For now it declares custom order attributes; the
 * server adds tenants, channels, targets and rules. Every problem points at file:line:column.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { ATTRIBUTE_TYPES, type AttributeDeclarations, type AttributeType } from '../core/order/index.ts';

export interface HubConfig {
  file?: string;
  attributes: AttributeDeclarations;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`configuration problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseConfig(text: string, file: string): HubConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (node: YamlNode | null | undefined) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${file}:${line}:${col}`;
  };
  const problems = doc.errors.map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return `${file}:${line}:${col}: YAML: ${e.message.split('\n')[0]}`;
  });
  if (problems.length) throw new ConfigError(problems);
  const attributes: AttributeDeclarations = {};
  const root = doc.contents;
  if (root && !isMap(root)) throw new ConfigError([`${at(root as YamlNode)}: hub.yaml must be a map`]);
  const section = root && isMap(root) ? (root.get('attributes', true) as YamlNode | undefined) : undefined;
  if (section && !isMap(section)) problems.push(`${at(section)}: attributes must map each name to { type, description }`);
  if (section && isMap(section)) {
    for (const pair of section.items) {
      const key = pair.key as YamlNode;
      const name = isScalar(key) ? String(key.value) : '';
      const value = pair.value as YamlNode | null;
      if (!ATTRIBUTE_NAME.test(name)) problems.push(`${at(key)}: attribute name "${name}" must be letters, digits and _`);
      const type = isMap(value) ? value.get('type') : isScalar(value) ? value.value : undefined;
      const description = isMap(value) ? value.get('description') : undefined;
      if (!ATTRIBUTE_TYPES.includes(type as AttributeType)) {
        problems.push(`${at(value ?? key)}: attribute ${name} needs type: one of ${ATTRIBUTE_TYPES.join(', ')}`);
        continue;
      }
      attributes[name] = { type: type as AttributeType, ...(typeof description === 'string' ? { description } : {}) };
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { file, attributes };
}

/** Reads hub.yaml; a missing file is an empty configuration unless it was asked for by name. */
export async function loadConfig(file = 'hub.yaml', required = false): Promise<HubConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return { attributes: {} };
    throw new ConfigError([`${file}: cannot read: ${(e as Error).message}`]);
  }
  return parseConfig(text, file);
}
