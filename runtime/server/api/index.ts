/**
 * The admin API under /api: every route is a definition in one of the files beside this one,
 * mounted with authentication (a tenant-bound key with a role), validation and the audit log,
 * and described by /api/openapi.json built from the same definitions.
 */
import type { Hono } from 'hono';
import type { Pipeline } from '../../../core/ingest/pipeline.ts';
import type { AttributeDeclarations } from '../../../core/order/index.ts';
import type { Sealer } from '../../../core/order/sealing.ts';
import type { Store } from '../../../core/store/port.ts';
import { adminRoutes } from './admin.ts';
import { dashboardRoutes } from './dashboard.ts';
import { deliveryRoutes } from './deliveries.ts';
import { mappingRoutes, type MappingSource } from './mappings.ts';
import { orderRoutes } from './orders.ts';
import { quarantineRoutes } from './quarantine.ts';
import { mountApi, openApiDocument, type ApiRoute } from './route.ts';
import { stockRoutes } from './stock.ts';

export interface ApiDeps {
  store: Store;
  pipeline: Pipeline;
  mappings: MappingSource[];
  attributes: AttributeDeclarations;
  /** Opens receivers and raw payloads stored sealed. */
  sealer?: Sealer;
}

export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    ...dashboardRoutes(deps.store),
    ...orderRoutes(deps.store, deps.pipeline, deps.sealer),
    ...stockRoutes(deps.store, deps.pipeline),
    ...deliveryRoutes(deps.store),
    ...quarantineRoutes(deps.store, deps.pipeline, deps.sealer),
    ...mappingRoutes(deps.mappings, deps.attributes),
    ...adminRoutes(deps.store),
  ];
}

export function mountAdminApi(app: Hono, deps: ApiDeps): ApiRoute[] {
  const routes = apiRoutes(deps);
  const document = openApiDocument(routes, { title: 'Order hub admin API', version: '0.1.0' });
  app.get('/api/openapi.json', (c) => c.json(document));
  mountApi(app, deps.store, routes);
  return routes;
}

export { createApiKey, ROLES, type Role } from './keys.ts';
export type { ApiRoute } from './route.ts';
