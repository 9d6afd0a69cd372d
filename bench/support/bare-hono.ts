/**
 * The baseline of npm run bench:http: a Hono app on the same Node server adapter whose one route
 * only parses the JSON body and answers 204. Prints its URL on stdout.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/webhooks/webhook/site', async (c) => {
  await c.req.json();
  return c.body(null, 204);
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`http://127.0.0.1:${info.port}\n`));
process.once('SIGTERM', () => server.close());
