/**
 * An admin API route is one object: method, path, the role it needs, its parameters and body
 * as JSON Schema, and the function that answers. The same objects register the Hono routes,
 * check every request and produce /api/openapi.json, so the description cannot drift.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Hono } from 'hono';
import { newId } from '../../../core/ids.ts';
import { maskPersonalData } from '../../../core/outbox/mask.ts';
import type { Store } from '../../../core/store/port.ts';
import { authenticate, roleAllows, type ApiCaller, type Role } from './keys.ts';

export type JsonSchema = Record<string, unknown>;

export interface QueryParam {
  description: string;
  schema: { type: 'string' | 'integer' | 'boolean'; enum?: readonly string[]; minimum?: number; maximum?: number; format?: string };
}

export interface ApiRequest<Body = unknown> {
  caller: ApiCaller;
  params: Record<string, string>;
  query: Record<string, string | number | boolean | undefined>;
  body: Body;
}

export interface ApiAnswer {
  status?: number;
  body: unknown;
  /** What a write acted on, for the audit log (defaults to the path parameters). */
  subject?: string;
}

export interface ApiRoute<Body = unknown> {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style: `/orders/{id}`. */
  path: string;
  role: Role;
  tag: string;
  summary: string;
  description?: string;
  /** A POST that changes nothing (lint, dry run): not written to the audit log. */
  readOnly?: boolean;
  query?: Record<string, QueryParam>;
  body?: JsonSchema;
  /** Schema of a successful answer (documentation). */
  response: JsonSchema;
  run(request: ApiRequest<Body>): Promise<ApiAnswer>;
}

/** Route definitions are written against a typed body; the table holds them all. */
export const defineRoute = <Body = unknown>(route: ApiRoute<Body>): ApiRoute => route as ApiRoute;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `no ${what} ${id} in this tenant`);

function readQuery(route: ApiRoute, raw: Record<string, string>): ApiRequest['query'] {
  const query: ApiRequest['query'] = {};
  for (const [name, value] of Object.entries(raw)) {
    const spec = route.query?.[name];
    if (!spec) throw new ApiError(400, 'bad_query', `unknown query parameter "${name}" (known: ${Object.keys(route.query ?? {}).join(', ') || 'none'})`);
    const { schema } = spec;
    if (schema.type === 'integer') {
      const n = Number(value);
      if (!/^-?\d+$/.test(value) || (schema.minimum !== undefined && n < schema.minimum) || (schema.maximum !== undefined && n > schema.maximum)) {
        throw new ApiError(400, 'bad_query', `query parameter "${name}" must be an integer${schema.minimum !== undefined ? ` from ${schema.minimum}` : ''}${schema.maximum !== undefined ? ` to ${schema.maximum}` : ''}, not "${value}"`);
      }
      query[name] = n;
    } else if (schema.type === 'boolean') {
      if (value !== 'true' && value !== 'false') throw new ApiError(400, 'bad_query', `query parameter "${name}" must be true or false, not "${value}"`);
      query[name] = value === 'true';
    } else {
      if (schema.enum && !schema.enum.includes(value)) throw new ApiError(400, 'bad_query', `query parameter "${name}" must be one of ${schema.enum.join(', ')}, not "${value}"`);
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) throw new ApiError(400, 'bad_query', `query parameter "${name}" must be an ISO time, not "${value}"`);
      query[name] = value;
    }
  }
  return query;
}

/** One audit entry: who (the key), what (the operation and its subject), the request masked, the status answered. */
export async function recordAudit(store: Store, caller: ApiCaller, action: string, subject: string | null, request: unknown, status: number): Promise<void> {
  await store.batch([
    {
      sql: 'INSERT INTO audit_log (tenant, id, at, actor, action, subject, request, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      args: [caller.tenant, newId('aud'), new Date().toISOString(), `key:${caller.keyId} (${caller.name})`, action, subject, request === null ? null : JSON.stringify(maskPersonalData(request)), status],
    },
  ]);
}

const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** Registers the routes under `/api` with authentication, role checks, validation and the audit log. */
export function mountApi(app: Hono, store: Store, routes: ApiRoute[]): void {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validators = new Map<ApiRoute, ValidateFunction>(routes.filter((r) => r.body).map((r) => [r, ajv.compile(r.body!)]));

  for (const route of routes) {
    app.on(route.method.toUpperCase(), `/api${honoPath(route.path)}`, async (c) => {
      const caller = await authenticate(store, c.req.header('authorization'));
      if (!caller) return c.json({ error: 'unauthorized', message: 'send an API key as "Authorization: Bearer hub_…" (create one with `hub keys create`)' }, 401);
      if (!roleAllows(caller.role, route.role)) return c.json({ error: 'forbidden', message: `${route.operationId} needs the ${route.role} role; this key is ${caller.role}` }, 403);
      const params = c.req.param() as Record<string, string>;
      let body: unknown = undefined;
      let answer: ApiAnswer;
      try {
        if (route.body) {
          const text = await c.req.text();
          try {
            body = text ? JSON.parse(text) : {};
          } catch (e) {
            throw new ApiError(400, 'bad_json', `the body is not JSON: ${(e as Error).message}`);
          }
          const validate = validators.get(route)!;
          if (!validate(body)) {
            const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
            throw new ApiError(400, 'bad_body', `the body does not fit: ${problems.join('; ')}`, problems);
          }
        }
        answer = await route.run({ caller, params, query: readQuery(route, c.req.query()), body });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        answer = { status: error.status, body: { error: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
      }
      if (route.method !== 'get' && !route.readOnly) {
        await recordAudit(store, caller, route.operationId, answer.subject ?? (Object.values(params).join('/') || null), { params, body }, answer.status ?? 200);
      }
      return c.json(answer.body as object, (answer.status ?? 200) as 200);
    });
  }
}

/** The OpenAPI 3.1 description of the routes. */
export function openApiDocument(routes: ApiRoute[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = Object.entries(route.query ?? {}).map(([name, p]) => ({ name, in: 'query', required: false, description: p.description, schema: p.schema }));
    (paths[`/api${route.path}`] ??= {})[route.method] = {
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      'x-required-role': route.role,
      parameters: [...pathParams, ...queryParams],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: route.response } } },
        400: { $ref: '#/components/responses/Problem' },
        401: { $ref: '#/components/responses/Problem' },
        403: { $ref: '#/components/responses/Problem' },
        ...(pathParams.length ? { 404: { $ref: '#/components/responses/Problem' } } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info,
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'hub_<id>_<secret>, from `hub keys create`; each key belongs to one tenant and has a role (viewer < operator < admin).' } },
      responses: {
        Problem: {
          description: 'What went wrong',
          content: { 'application/json': { schema: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, details: {} } } } },
        },
      },
    },
  };
}
