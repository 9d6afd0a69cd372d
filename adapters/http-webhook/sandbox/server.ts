/**
 * A loopback receiver for the generic webhook: verifies signatures, drops repeated
 * idempotency keys like a careful receiver would, keeps what it got, and fails on request.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from '../index.ts';

export interface WebhookSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  secret?: string;
  /** Share of requests answered 503 with Retry-After: 1 (0..1). */
  failRate?: number;
  random?: () => number;
}

export interface WebhookSandbox {
  url: string;
  /** Accepted deliveries by idempotency key, with the time each arrived. */
  received: Map<string, { at: number; body: unknown }>;
  requests: number[];
  duplicates: number;
  close(): Promise<void>;
}

export async function startWebhookSandbox(options: WebhookSandboxOptions = {}): Promise<WebhookSandbox> {
  const random = options.random ?? Math.random;
  const received = new Map<string, { at: number; body: unknown }>();
  const requests: number[] = [];
  const sandbox = { received, requests, duplicates: 0 } as WebhookSandbox;
  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      // For a sandbox in another process: what it received, its duplicates and request times.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: received.size, duplicates: sandbox.duplicates, requests }));
      return;
    }
    const body = await read(req);
    const at = Date.now();
    requests.push(at);
    if (options.secret) {
      const timestamp = Number(req.headers['webhook-timestamp']);
      if (req.headers['webhook-signature'] !== (await signWebhook(options.secret, timestamp, body))) {
        res.writeHead(401).end('bad signature');
        return;
      }
    }
    if (options.failRate && random() < options.failRate) {
      res.writeHead(503, { 'retry-after': '1' }).end('busy');
      return;
    }
    const key = String(req.headers['idempotency-key']);
    if (received.has(key)) sandbox.duplicates++;
    else received.set(key, { at, body: JSON.parse(body) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  sandbox.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  sandbox.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sandbox;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// `node --import tsx adapters/http-webhook/sandbox/server.ts` runs one on its own and prints its URL.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const sandbox = await startWebhookSandbox({ failRate: Number(process.env.FAIL_RATE ?? 0) });
  process.stdout.write(`${sandbox.url}\n`);
}
