/** The audit log and API keys (admin only). */
import { andFilters, type SqlValue, type Store } from '../../../core/store/port.ts';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from './keys.ts';
import { defineRoute, notFound } from './route.ts';
import { int, list, nullable, object, page, paging, str } from './schemas.ts';

export function adminRoutes(store: Store) {
  return [
    defineRoute({
      operationId: 'listAudit',
      method: 'get',
      path: '/audit',
      role: 'admin',
      tag: 'admin',
      summary: 'Every write through the API (and every reveal of personal data): who, what, when, answered with what status',
      query: { action: { description: 'one operation id, e.g. replayDeadLetters', schema: { type: 'string' } }, ...paging },
      response: page('entries', object({ id: str, at: str, actor: str, action: str, subject: nullable(str), request: nullable(str), status: int })),
      run: async ({ caller, query }) => {
        const where: string[] = [];
        const args: SqlValue[] = [caller.tenant];
        if (query.action) where.push('action = ?'), args.push(String(query.action));
        if (query.cursor) where.push('id < ?'), args.push(String(query.cursor));
        const limit = Number(query.limit ?? 50);
        const rows = await store.query(`SELECT id, at, actor, action, subject, request, status FROM audit_log WHERE tenant = ?${andFilters(where)} ORDER BY id DESC LIMIT ?`, [...args, limit + 1]);
        const entries = rows.slice(0, limit);
        return { body: { entries, next: rows.length > limit ? String(entries[entries.length - 1]!.id) : null } };
      },
    }),
    defineRoute({
      operationId: 'listApiKeys',
      method: 'get',
      path: '/keys',
      role: 'admin',
      tag: 'admin',
      summary: "This tenant's API keys (never their secrets)",
      response: object({ keys: list(object({ id: str, name: str, role: str, created_at: str, last_used_at: nullable(str), revoked_at: nullable(str) })) }),
      run: async ({ caller }) => ({ body: { keys: await listApiKeys(store, caller.tenant) } }),
    }),
    defineRoute<{ name: string; role: Role }>({
      operationId: 'createApiKey',
      method: 'post',
      path: '/keys',
      role: 'admin',
      tag: 'admin',
      summary: 'Create an API key for this tenant; the answer is the only place its secret appears',
      body: { type: 'object', additionalProperties: false, required: ['name', 'role'], properties: { name: { type: 'string', minLength: 1 }, role: { enum: [...ROLES] } } },
      response: object({ id: str, key: str }),
      run: async ({ caller, body }) => {
        const created = await createApiKey(store, { tenant: caller.tenant, name: body.name, role: body.role });
        return { status: 201, body: created, subject: created.id };
      },
    }),
    defineRoute({
      operationId: 'revokeApiKey',
      method: 'delete',
      path: '/keys/{id}',
      role: 'admin',
      tag: 'admin',
      summary: 'Revoke an API key',
      response: object({ revoked: { type: 'boolean' } }),
      run: async ({ caller, params }) => {
        if (!(await revokeApiKey(store, caller.tenant, params.id!))) throw notFound('active API key', params.id!);
        return { body: { revoked: true } };
      },
    }),
  ];
}
