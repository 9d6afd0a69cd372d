/**
 * hub.yaml: the merchant's configuration (custom attributes, stock, deliveries, routing,
 * rules). One JSON Schema checks it, built from the sections' own schemas; every problem is
 * reported at file:line:column and the hub refuses to start.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isNode, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { AttributeDeclarations } from '../core/order/index.ts';
import type { DeliveryPlan, StockConfig } from '../core/ingest/types.ts';
import { routingConfigSchema, type RoutingConfig } from '../core/routing/index.ts';
import { rulesConfigSchema, type PriorityConfig, type OrderRule } from '../core/rules/index.ts';
import { ATTRIBUTE_TYPES } from '../core/order/index.ts';

export interface HubConfig {
  file?: string;
  attributes: AttributeDeclarations;
  database?: { url?: string };
  /** Channel → its own mapping file (relative to hub.yaml) instead of the built-in one. */
  mappings?: Record<string, string>;
  stock: StockConfig;
  deliveries: DeliveryPlan[];
  routing?: RoutingConfig;
  rules: OrderRule[];
  priority?: PriorityConfig;
  /** Outbound targets by name: `adapter` names the folder under adapters/, the rest is its config. */
  targets: Record<string, TargetConfig>;
  /** Dispatcher tuning. */
  delivery?: { maxAttempts?: number; maxAgeHours?: number; concurrency?: number };
  /** Bot targets told about what needs a person: dead letters, shop credentials running out. */
  notices?: { deadLetters?: string; credentials?: string; dailySummary?: { targets: string[]; at?: string } };
  /** The channel shops the hub takes orders from. */
  shops: ShopEntry[];
}

export interface ShopEntry {
  channel: string;
  shop: string;
  tenant?: string;
  baseUrl?: string;
  /** When a token issued by hand expires (connectors that refresh their own token know it themselves). */
  tokenExpiresAt?: string;
  /** Pull on a schedule (channels that have a pull API). */
  pull?: { everySeconds?: number; windowMinutes?: number; overlapMinutes?: number; lagMinutes?: number; since?: string; sweep?: { everyMinutes?: number; hours?: number } };
  [key: string]: unknown;
}

export interface TargetConfig {
  adapter: string;
  /** Over the adapter's documented limits. */
  limits?: { calls?: number; perMs?: number; concurrency?: number };
  [key: string]: unknown;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`configuration problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const rulesSchema = rulesConfigSchema as { properties: { rules: object; priority: object }; $defs?: Record<string, object> };
const routingSchema = routingConfigSchema as { $id: string };

/** The whole hub.yaml schema; each section's schema keeps its own $defs. */
export const hubConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://order-hub.dev/schemas/hub.schema.json',
  title: 'hub.yaml',
  type: 'object',
  additionalProperties: false,
  properties: {
    attributes: {
      description: 'Custom order fields, by name.',
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { enum: [...ATTRIBUTE_TYPES] }, description: { type: 'string' } },
      },
    },
    database: {
      type: 'object',
      additionalProperties: false,
      properties: { url: { type: 'string', description: 'file:./data/hub.db (default), :memory:, or a libsql:// URL' } },
    },
    notices: {
      description: 'Bot targets (im-dingtalk, im-wecom) told about what needs a person.',
      type: 'object',
      additionalProperties: false,
      properties: {
        deadLetters: { type: 'string', minLength: 1, description: 'told (notify.dead_letter) each time a delivery gives up' },
        credentials: { type: 'string', minLength: 1, description: "told (notify.credentials) once a day while a shop's token is due, expired or failing to refresh" },
        dailySummary: {
          type: 'object',
          additionalProperties: false,
          required: ['targets'],
          description: "yesterday's orders, sales by channel, deliveries and what waits for a person (notify.daily_summary), each day after `at`",
          properties: {
            targets: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            at: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Beijing time HH:mm (default 09:00)' },
          },
        },
      },
    },
    mappings: {
      description: "A channel's own mapping file instead of the built-in one, relative to hub.yaml; `hub serve` reloads it when it changes.",
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
      additionalProperties: { type: 'string', minLength: 1 },
    },
    stock: {
      type: 'object',
      additionalProperties: false,
      properties: {
        shortfall: { enum: ['backorder', 'hold'], default: 'backorder' },
        channels: {
          type: 'object',
          description: 'Channels whose available-to-sell is pushed back, each with the locations that serve it and an allocation rule.',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            properties: {
              locations: { type: 'array', items: { type: 'string' } },
              allocation: {
                oneOf: [
                  { type: 'object', additionalProperties: false, required: ['ratio'], properties: { ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 } } },
                  { type: 'object', additionalProperties: false, required: ['cap'], properties: { cap: { type: 'integer', minimum: 0 } } },
                  { type: 'object', additionalProperties: false, required: ['keep'], properties: { keep: { type: 'integer', minimum: 0 } } },
                ],
              },
            },
          },
        },
      },
    },
    deliveries: {
      type: 'array',
      description: 'What every order owes the outside world.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'target'],
        properties: {
          kind: { type: 'string', minLength: 1 },
          target: { type: 'string', minLength: 1 },
          per: { enum: ['order', 'shipment'] },
          after: { type: 'string' },
          on: { enum: ['released', 'cancelled', 'held', 'shortfall', 'updated', 'refunded', 'shipped', 'delivered'] },
        },
      },
    },
    routing: { $ref: routingSchema.$id },
    targets: {
      type: 'object',
      description: 'Outbound targets by name; secrets as ${env:NAME}.',
      additionalProperties: {
        type: 'object',
        required: ['adapter'],
        properties: {
          adapter: { type: 'string', minLength: 1 },
          limits: {
            type: 'object',
            additionalProperties: false,
            properties: { calls: { type: 'integer', minimum: 1 }, perMs: { type: 'integer', minimum: 1 }, concurrency: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
    shops: {
      type: 'array',
      description: 'Channel shops; credentials as ${env:NAME}.',
      items: {
        type: 'object',
        required: ['channel', 'shop'],
        properties: {
          channel: { type: 'string', minLength: 1 },
          shop: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_.-]+$' },
          tenant: { type: 'string', minLength: 1 },
          baseUrl: { type: 'string' },
          tokenExpiresAt: { type: 'string', format: 'date-time', description: 'When a token issued by hand (TOP session, JD or Douyin access token) expires; health warns 3 days ahead.' },
          pull: {
            type: 'object',
            additionalProperties: false,
            properties: {
              everySeconds: { type: 'integer', minimum: 1 },
              windowMinutes: { type: 'number', exclusiveMinimum: 0, maximum: 1440 },
              overlapMinutes: { type: 'number', minimum: 0 },
              lagMinutes: { type: 'number', minimum: 0 },
              since: { type: 'string', format: 'date-time' },
              sweep: {
                type: 'object',
                additionalProperties: false,
                description: 'The no-missed-orders sweep: every everyMinutes (0: never; default 60), list the last `hours` (default 24) again and fetch what the store lacks.',
                properties: { everyMinutes: { type: 'number', minimum: 0 }, hours: { type: 'number', exclusiveMinimum: 0, maximum: 720 } },
              },
            },
          },
        },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAttempts: { type: 'integer', minimum: 1 },
        maxAgeHours: { type: 'number', exclusiveMinimum: 0 },
        concurrency: { type: 'integer', minimum: 1 },
      },
    },
    rules: rulesSchema.properties.rules,
    priority: rulesSchema.properties.priority,
  },
  $defs: rulesSchema.$defs ?? {},
};

let validator: ReturnType<Ajv2020['compile']> | undefined;
function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv, ['date-time']);
    ajv.addSchema(routingConfigSchema);
    validator = ajv.compile(hubConfigSchema);
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

/**
 * Secrets never sit in hub.yaml: a value `${env:NAME}` (alone or inside a string) is read from
 * the environment. A missing variable is a problem at its line; its value is never printed.
 */
function resolveEnv(doc: Document, env: Record<string, string | undefined>, at: (offset: number) => string): string[] {
  const problems: string[] = [];
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${env:')) return;
      node.value = node.value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
        const value = env[name];
        if (value === undefined) problems.push(`${at(node.range?.[0] ?? 0)}: environment variable ${name} is not set`);
        return value ?? '';
      });
    },
  });
  return problems;
}

export function parseConfig(text: string, file: string, env: Record<string, string | undefined> = process.env): HubConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const yamlErrors = doc.errors.map((e) => `${at(e.pos[0])}: YAML: ${e.message.split('\n')[0]}`);
  if (yamlErrors.length) throw new ConfigError(yamlErrors.slice(0, 1));
  const envProblems = resolveEnv(doc, env, at);
  if (envProblems.length) throw new ConfigError(envProblems);
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`${file}:1:1: hub.yaml must be a map of sections`]);
  const problems = dedupe(validate(data)).map((e) => `${positionOf(doc, e, at)}: ${describe(e)}`);
  if (problems.length) throw new ConfigError(problems);
  return {
    file,
    attributes: (data.attributes as AttributeDeclarations) ?? {},
    ...(data.database ? { database: data.database as { url?: string } } : {}),
    ...(data.mappings ? { mappings: data.mappings as Record<string, string> } : {}),
    ...(data.notices ? { notices: data.notices as NonNullable<HubConfig['notices']> } : {}),
    stock: { shortfall: 'backorder', channels: {}, ...((data.stock as Partial<StockConfig>) ?? {}) },
    deliveries: (data.deliveries as DeliveryPlan[]) ?? [],
    ...(data.routing ? { routing: data.routing as RoutingConfig } : {}),
    rules: (data.rules as OrderRule[]) ?? [],
    ...(data.priority ? { priority: data.priority as PriorityConfig } : {}),
    targets: (data.targets as Record<string, TargetConfig>) ?? {},
    shops: (data.shops as ShopEntry[]) ?? [],
    ...(data.delivery ? { delivery: data.delivery as NonNullable<HubConfig['delivery']> } : {}),
  };
}

/** Reads hub.yaml; a missing file is an empty configuration unless it was asked for by name. */
export async function loadConfig(file = 'hub.yaml', required = false, env: Record<string, string | undefined> = process.env): Promise<HubConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig('{}', file);
    throw new ConfigError([`${file}: cannot read: ${(e as Error).message}`]);
  }
  return parseConfig(text, file, env);
}

/** Where an ajv error points in the YAML: the offending key for unknown ones, else the value. */
function positionOf(doc: Document, error: ErrorObject, at: (offset: number) => string): string {
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (!isNode(node)) continue;
    if (extra && depth === path.length && 'items' in node) {
      const pair = (node.items as Array<{ key: { value?: unknown; range?: [number, number, number] } }>).find((p) => p.key?.value === extra);
      if (pair?.key.range) return at(pair.key.range[0]);
    }
    return at(node.range?.[0] ?? 0);
  }
  return at(0);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'hub.yaml';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where === 'hub.yaml' ? '' : `${where}: `}unknown key "${params.additionalProperty}"`;
    case 'required':
      return `${where}: missing ${params.missingProperty}`;
    case 'enum':
      return `${where}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${error.message}`;
  }
}

/** oneOf failures repeat themselves per branch; one line per place and message is enough. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath} ${e.keyword === 'oneOf' ? 'oneOf' : e.message} ${JSON.stringify(e.params)}`;
    if (seen.has(key) || e.keyword === 'if') return false;
    seen.add(key);
    return true;
  });
}
