/**
 * The `hub` command. Each subcommand is a small function over the runtime modules.
 */
import { Command, CommanderError } from 'commander';
import { formatProblem, MappingLintError, MappingOutputError, MappingRuntimeError } from '../../core/mapping/index.ts';
import { PayloadSyntaxError } from '../../core/payload/json.ts';
import { SalesCsvError } from '../../connectors/pos/csv.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { builtinMappingFile, BUILTIN_MAPPINGS, FileError, lintMappingFile, loadMappingFile, readPayloads, readText } from '../mappings.ts';
import { openHub } from '../hub.ts';
import { Dispatcher, listDeadLetters, replayDeadLetters } from '../../core/outbox/index.ts';
import { deliveryAdapters, dispatcherOptions } from '../targets.ts';
import { startServer } from '../serve.ts';
import { bindShops } from '../connectors.ts';
import { DEFAULT_PULL, pullShop, sweepShop } from '../poller.ts';
import type { ShopBinding } from '../intake.ts';
import { describeSigners, SIGNERS, verifyPush } from '../signers.ts';
import { parseStockCount, StockFileError } from '../stock-file.ts';
import type { HubConfig } from '../config.ts';
import { findMappings, formatReport, testMapping } from '../mapping-test.ts';
import { runDemo } from './demo.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDataKeys, SealingError, type DataKey } from '../../core/order/sealing.ts';
import { createLog } from '../log.ts';
import { sandboxEnv, seedSandboxStock, startSandboxWorld } from '../sandbox/world.ts';
import { createApiKey, ROLES, type Role } from '../server/api/index.ts';
import { openLibsqlStore } from '../store/libsql.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const DB_HELP = 'database (default: database.url in hub.yaml, else file:./data/hub.db)';

const defaultIo: Io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };

/** Runs the CLI and returns the exit code (never calls process.exit, so tests can drive it). */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command('hub')
    .description('Order integration hub: channels in, one canonical order, ERP / WMS / carriers out.')
    .option('-c, --config <file>', 'hub.yaml to read (custom attributes, channels, targets)', 'hub.yaml')
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t.trimEnd()), writeErr: (t) => io.err(t.trimEnd()) });

  /**
   * hub.yaml as a command needs it: commands that talk to platforms and targets need every
   * ${env:NAME} set; the others (mapping, ingest, stock …) read only what they use, so a
   * missing credential does not stop them.
   */
  const config = (env: Record<string, string | undefined> = credentialsNotNeeded) => {
    const opts = program.opts<{ config: string }>();
    return loadConfig(opts.config, opts.config !== 'hub.yaml', env);
  };

  const mapping = program.command('mapping').description('write, check and try YAML mapping files');

  mapping
    .command('lint')
    .description('parse and statically check mapping files against their target schema; exit 1 on any error')
    .argument('<files...>', 'mapping files (*.yaml)')
    .action(async (files: string[]) => {
      const cfg = await config();
      let errors = 0;
      for (const file of files) {
        const problems = await lintMappingFile(file, { config: cfg });
        for (const p of problems) (p.severity === 'error' ? io.err : io.out)(formatProblem(p));
        const count = problems.filter((p) => p.severity === 'error').length;
        errors += count;
        if (count === 0) io.out(`✓ ${file}${problems.length ? ` (${problems.length} warning(s))` : ''}`);
      }
      if (errors) {
        io.err(`${errors} error(s)`);
        code = 1;
      }
    });

  mapping
    .command('run')
    .description('map a payload and print the result (the canonical order, for channel mappings)')
    .argument('[mapping]', 'the mapping file (or use --channel)')
    .argument('[payload]', 'payload file: JSON, or a POS sales CSV')
    .option('--channel <name>', 'use the built-in mapping of this channel')
    .action(async (first: string | undefined, payloadFile: string | undefined, opts: { channel?: string }) => {
      const [file, payload] = opts.channel ? [builtinMappingFile(opts.channel), first ?? payloadFile] : [first, payloadFile];
      if (!file || !payload) throw new CommanderError(2, 'hub.usage', 'give a mapping file or --channel, and a payload file');
      const compiled = await loadMappingFile(file, { config: await config() });
      const outputs = (await readPayloads(payload)).map((p) => compiled.run(p));
      io.out(JSON.stringify(outputs.length === 1 ? outputs[0] : outputs, null, 2));
    });

  mapping
    .command('test')
    .description('run the cases beside each mapping (<name>.cases/), print diffs and coverage')
    .argument('[path]', 'a mapping file or a folder of them', BUILTIN_MAPPINGS)
    .action(async (path: string) => {
      const cfg = await config();
      let passed = 0;
      let failed = 0;
      for (const file of await findMappings(path)) {
        const report = await testMapping(file, cfg);
        const bad = report.compileError ? 1 : report.cases.filter((c) => !c.ok).length;
        failed += bad;
        passed += report.cases.length - (report.compileError ? 0 : bad);
        (bad ? io.err : io.out)(formatReport(report));
      }
      io.out(`mapping cases: ${passed} passed, ${failed} failed`);
      if (failed) code = 1;
    });

  const database = (opts: { db?: string }, cfg: HubConfig) => opts.db ?? cfg.database?.url ?? 'file:./data/hub.db';

  /** Opens the hub on the command's database for `work`, and closes it whatever happens. */
  const withHub = async (opts: { db?: string }, work: (hub: Awaited<ReturnType<typeof openHub>>) => Promise<void>) => {
    const cfg = await config();
    const hub = await openHub(cfg, { url: database(opts, cfg), ...dataKeysFromEnv() });
    try {
      await work(hub);
    } finally {
      await hub.close();
    }
  };

  program
    .command('ingest')
    .description('put payload files through the whole pipeline (inbox, mapping, stock, routing, outbox) and print each outcome')
    .requiredOption('--channel <name>', 'the channel the payloads come from')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .argument('<files...>', 'payload files (JSON, or POS CSV)')
    .action(async (files: string[], opts: { channel: string; tenant: string; db?: string }) => {
      await withHub(opts, async (hub) => {
        for (const file of files) {
          const result = await hub.pipeline.ingest({ tenant: opts.tenant, channel: opts.channel, payload: await readText(file), meta: { file } });
          io.out(JSON.stringify({ file, ...result }));
          if (result.quarantined) code = 1;
        }
      });
    });

  const stock = program.command('stock').description('stock counts and checks');

  stock
    .command('count')
    .description('apply a WMS stock count (CSV: sku,location,on_hand[,safety]); all rows or none')
    .argument('<file>', 'the count file')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .option('--reason <text>', 'why, for the audit trail', 'stock count')
    .action(async (file: string, opts: { tenant: string; db?: string; reason: string }) => {
      const cfg = await config();
      const lines = parseStockCount(await readText(file), file);
      const hub = await openHub(cfg, { url: database(opts, cfg), ...dataKeysFromEnv() });
      try {
        const result = await hub.pipeline.adjustStock(opts.tenant, lines, { reason: opts.reason, source: 'file', actor: `file:${file}` });
        if (result.ok) io.out(JSON.stringify(result.detail, null, 2));
        else {
          io.err(result.error);
          code = 1;
        }
      } finally {
        await hub.close();
      }
    });

  stock
    .command('reconcile')
    .description('compare reservations with stock levels and report drift or leaks; --repair fixes them (audited)')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .option('--repair', 'release leaked reservations and set reserved right')
    .action(async (opts: { tenant: string; db?: string; repair?: boolean }) => {
      await withHub(opts, async (hub) => {
        const report = await hub.pipeline.reconcile(opts.tenant, { repair: opts.repair === true, actor: 'cli' });
        io.out(JSON.stringify(report, null, 2));
        if ((report.drift.length || report.leaks.length) && !report.repaired) code = 1;
      });
    });

  program
    .command('sign')
    .description('print the signature a platform expects for an input, and the exact text signed')
    .argument('<scheme>', 'the signing scheme (see below)')
    .requiredOption('--secret <secret>', 'the secret (app secret, robot secret, whsec_…)')
    .requiredOption('--json <input>', 'the input object, as JSON')
    .addHelpText('after', () => `\nSchemes:\n${describeSigners()}`)
    .action(async (scheme: string, opts: { secret: string; json: string }) => {
      const signer = SIGNERS[scheme];
      if (!signer) throw new CommanderError(2, 'hub.usage', `unknown scheme "${scheme}" (schemes: ${Object.keys(SIGNERS).join(', ')})`);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(opts.json) as Record<string, unknown>;
      } catch (e) {
        throw new CommanderError(2, 'hub.usage', `--json is not JSON: ${(e as Error).message}`);
      }
      const { sign, signed } = await signer.sign(input, opts.secret);
      // Where the secret goes in the signed text matters; the secret itself stays off screens and logs.
      io.out(JSON.stringify({ sign, signed: opts.secret ? signed.split(opts.secret).join('<secret>') : signed }, null, 2));
    });

  program
    .command('verify')
    .description('check an incoming push (headers and body) against a secret: verdict and reason')
    .argument('<scheme>', 'standard-webhooks')
    .requiredOption('--secret <secret>', 'the secret')
    .requiredOption('--headers <json>', 'the request headers, as a JSON object')
    .requiredOption('--body <file>', 'a file holding the raw body')
    .option('--now <seconds>', 'the time to check against (epoch seconds; default now)')
    .action(async (scheme: string, opts: { secret: string; headers: string; body: string; now?: string }) => {
      const verdict = await verifyPush(scheme, { headers: JSON.parse(opts.headers) as Record<string, string>, body: await readText(opts.body) }, opts.secret, Number(opts.now ?? Math.floor(Date.now() / 1000)));
      io.out(JSON.stringify(verdict));
      if (!verdict.ok) code = 1;
    });

  program
    .command('serve')
    .description('run the hub: webhook routes per channel shop, pollers, the fetcher and the delivery engine')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', '8080')
    .option('--db <url>', DB_HELP)
    .option('--sandboxes', 'also run the simulators of every shop and target on loopback, with made-up credentials where the environment has none, and send them traffic')
    .action(async (opts: { host: string; port: string; db?: string; sandboxes?: boolean }) => {
      const cfg = await config(opts.sandboxes ? sandboxEnv(process.env) : process.env);
      const url = database(opts, cfg);
      const log = createLog();
      const dataKeys = dataKeysFromEnv().dataKeys ?? (opts.sandboxes ? sandboxDataKeys(url) : null);
      if (!dataKeys) throw new CommanderError(1, 'hub.usage', 'hub serve seals receivers at rest: set HUB_DATA_KEYS=<id>=<base64 of 32 bytes> (hub keys data-key makes one)');
      const sandboxes = opts.sandboxes ? await prepareSandboxes(cfg, url, dataKeys, io) : null;
      const world = sandboxes?.world;
      const running = await startServer(cfg, { host: opts.host, port: Number(opts.port), url, log, dataKeys });
      if (sandboxes) io.err(`console: ${running.url}/?key=${sandboxes.key}`);
      world?.drive(running.url);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await running.stop();
      await world?.close();
    });

  /** A command over one shop and a past window: backfill, sweep. */
  function shopWindowCommand(name: string, description: string, run: (hub: Awaited<ReturnType<typeof openHub>>, binding: ShopBinding, from: Date, to: Date, shop: string) => Promise<void>) {
    program
      .command(name)
      .description(description)
      .requiredOption('--channel <name>', 'the channel')
      .requiredOption('--shop <id>', 'the shop, as in hub.yaml')
      .requiredOption('--from <time>', 'start, ISO-8601 with offset')
      .requiredOption('--to <time>', 'end, ISO-8601 with offset')
      .option('--db <url>', DB_HELP)
      .action(async (opts: { channel: string; shop: string; from: string; to: string; db?: string }) => {
        const cfg = await config(process.env);
        const from = new Date(opts.from);
        const to = new Date(opts.to);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) throw new CommanderError(2, 'hub.usage', '--from and --to must be ISO-8601 times, --from first');
        const binding = bindShops(cfg).find((b) => b.channel === opts.channel && b.shop === opts.shop);
        if (!binding) throw new CommanderError(2, 'hub.usage', `hub.yaml has no shop ${opts.shop} of channel ${opts.channel}`);
        const hub = await openHub(cfg, { url: database(opts, cfg), ...dataKeysFromEnv() });
        try {
          await run(hub, binding, from, to, opts.shop);
        } finally {
          await hub.close();
        }
      });
  }

  shopWindowCommand('backfill', 'pull a past window of one shop into the hub; resumes where an interrupted run stopped', async (hub, binding, from, to, shop) => {
    // Its own cursor, keyed by the window: running the same backfill again resumes it.
    const key = `${shop}#backfill:${from.toISOString()}/${to.toISOString()}`;
    const span = to.getTime() - from.getTime();
    let total = 0;
    let created = 0;
    for (;;) {
      const report = await pullShop(hub.store, hub.pipeline, binding, { ...DEFAULT_PULL, lagMinutes: 0, firstFrom: from }, to, key);
      total += report.orders;
      created += report.created;
      const done = Math.min(1, (new Date(report.doneTo).getTime() - from.getTime()) / span);
      const bar = '#'.repeat(Math.round(done * 30)).padEnd(30, '.');
      io.out(`[${bar}] ${(done * 100).toFixed(0).padStart(3)}%  ${total} orders pulled, ${created} new, up to ${report.doneTo}`);
      if (report.error) {
        io.err(`stopped: ${report.error} (run the same command again to resume)`);
        code = 1;
        break;
      }
      if (report.pages === 0 || report.doneTo >= to.toISOString()) break;
    }
  });

  shopWindowCommand('sweep', 'list a past window of one shop again and fetch only the orders the store lacks (what `serve` does hourly); prints what it found', async (hub, binding, from, to) => {
    const report = await sweepShop(hub.store, hub.pipeline, binding, from, to);
    io.out(JSON.stringify(report));
    if (report.error) code = 1;
  });

  program
    .command('deliver')
    .description('send what the outbox holds through the targets in hub.yaml; --watch keeps going')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .option('--watch', 'keep delivering until stopped')
    .action(async (opts: { tenant: string; db?: string; watch?: boolean }) => {
      const cfg = await config(process.env);
      const hub = await openHub(cfg, { url: database(opts, cfg), ...dataKeysFromEnv() });
      const dispatcher = new Dispatcher(hub.store, await deliveryAdapters(cfg, hub.store, bindShops(cfg)), { tenants: [opts.tenant], ...dispatcherOptions(cfg), ...(hub.sealer ? { sealer: hub.sealer } : {}) });
      try {
        if (opts.watch) {
          dispatcher.start();
          await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
          await dispatcher.stop();
        } else {
          await dispatcher.drain();
        }
        const counts = await hub.store.query('SELECT target, status, count(*) AS n FROM outbox WHERE tenant = ? GROUP BY target, status ORDER BY target, status', [opts.tenant]);
        io.out(counts.map((r) => `${r.target} ${r.status} ${r.n}`).join('\n') || 'the outbox is empty');
      } finally {
        await hub.close();
      }
    });

  const dead = program.command('deadletters').description('inspect deliveries that gave up (replay them with hub replay deadletters)');

  dead
    .command('list')
    .description('list dead letters with their last error')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .option('--target <name>', 'only this target')
    .action(async (opts: { tenant: string; db?: string; target?: string }) => {
      await withHub(opts, async (hub) => {
        const rows = await listDeadLetters(hub.store, opts.tenant, opts.target ? { target: opts.target } : { all: true });
        io.out(rows.map((r) => `${r.id}  ${r.target}  ${r.kind}  ${r.idempotency_key}  attempts ${r.attempts}  ${r.last_error}`).join('\n') || 'no dead letters');
      });
    });

  const replay = program.command('replay').description('run again what failed, once the mapping or config is fixed');

  replay
    .command('quarantine')
    .description('put quarantined payloads through the current mappings again (their inbox rows are kept)')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .option('--id <quarantine>', 'one quarantined payload')
    .option('--channel <name>', 'every open one of this channel')
    .action(async (opts: { tenant: string; db?: string; id?: string; channel?: string }) => {
      const which = opts.id ? { id: opts.id } : opts.channel ? { channel: opts.channel } : null;
      if (!which) throw new CommanderError(2, 'hub.usage', 'say which: --id or --channel');
      await withHub(opts, async (hub) => {
        const results = await hub.pipeline.replayQuarantine(opts.tenant, which);
        for (const r of results) {
          if (r.quarantined?.length) {
            io.err(`${r.inboxId}: still quarantined: ${r.quarantined.map((q) => q.error).join('; ')}`);
            code = 1;
          } else io.out(`${r.inboxId}: ${r.orders.map((o) => `${o.externalId} ${o.outcome} (${o.orderId})`).join(', ')}`);
        }
        io.out(`${results.length} payload(s) replayed`);
      });
    });

  replay
    .command('deadletters')
    .description('put dead letters back in the queue (their bodies are built again from the current mapping)')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .option('--id <delivery>', 'one delivery')
    .option('--target <name>', 'every dead letter of this target')
    .option('--kind <kind>', 'with --target: only this kind')
    .option('--all', 'every dead letter')
    .action(async (opts: { tenant: string; db?: string; id?: string; target?: string; kind?: string; all?: boolean }) => {
      const filter = opts.id ? { id: opts.id } : opts.target ? { target: opts.target, ...(opts.kind ? { kind: opts.kind } : {}) } : opts.all ? ({ all: true } as const) : null;
      if (!filter) throw new CommanderError(2, 'hub.usage', 'say which: --id, --target (with --kind) or --all');
      await withHub(opts, async (hub) => {
        io.out(`${await replayDeadLetters(hub.store, opts.tenant, filter)} dead letter(s) back in the queue`);
      });
    });

  const keys = program.command('keys').description('API keys for the admin API (each bound to one tenant and a role), and data keys');

  keys
    .command('data-key')
    .description('make a key that seals receivers at rest: put it first in HUB_DATA_KEYS (keep older ones after it to read what they sealed)')
    .option('--id <id>', 'its id, stored beside everything it seals', `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`)
    .action((opts: { id: string }) => {
      io.out(`${opts.id}=${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`);
    });

  keys
    .command('create')
    .description('create a key and print it: the secret is shown this once and stored only as a hash')
    .requiredOption('--name <name>', 'who or what uses it (shown in the audit log)')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'viewer')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <url>', DB_HELP)
    .action(async (opts: { name: string; role: string; tenant: string; db?: string }) => {
      if (!ROLES.includes(opts.role as Role)) throw new CommanderError(2, 'hub.usage', `--role must be one of ${ROLES.join(', ')}, not "${opts.role}"`);
      const cfg = await config();
      const store = await openLibsqlStore({ url: database(opts, cfg) });
      try {
        const created = await createApiKey(store, { tenant: opts.tenant, name: opts.name, role: opts.role as Role });
        io.out(created.key);
        io.err(`key ${created.id} (${opts.role}, tenant ${opts.tenant}) created; keep it now, it cannot be shown again`);
      } finally {
        await store.close();
      }
    });

  program
    .command('demo')
    .description('map the sample orders of every built-in channel and show the canonical result')
    .action(async () => {
      code = await runDemo(io, await config());
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its own messages; ours (hub.*) still need saying.
      if (e.code.startsWith('hub.')) io.err(e.message);
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' ? 0 : e.exitCode || 2;
    }
    io.err(describeError(e));
    return 1;
  }
  return code;
}


/** What a user sees when a command fails: our errors already say what and where. */
function describeError(e: unknown): string {
  if (
    e instanceof MappingLintError ||
    e instanceof MappingRuntimeError ||
    e instanceof MappingOutputError ||
    e instanceof PayloadSyntaxError ||
    e instanceof ConfigError ||
    e instanceof FileError ||
    e instanceof StockFileError ||
    e instanceof SalesCsvError ||
    e instanceof SealingError
  ) {
    return e.message;
  }
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return `no such file: ${(e as NodeJS.ErrnoException).path}`;

  return (e as Error).stack ?? String(e);
}

/** Missing credentials read as a placeholder: for commands that never use them. */
const credentialsNotNeeded = new Proxy(process.env, { get: (env, name) => (typeof name === 'string' ? (env[name] ?? `<${name} not set>`) : undefined) });

/**
 * Before a sandbox run's hub starts: the simulators on their ports, the first run's stock, and
 * a console key (the previous run's is revoked), printed with what runs where.
 */
async function prepareSandboxes(cfg: HubConfig, url: string, dataKeys: DataKey[], io: Io) {
  const world = await startSandboxWorld(cfg, createLog());
  const hub = await openHub(cfg, { url, dataKeys });
  try {
    const seeded = await seedSandboxStock(hub, cfg);
    await hub.store.batch([{ sql: "UPDATE api_keys SET revoked_at = ? WHERE tenant = 'default' AND name = 'sandbox console' AND revoked_at IS NULL", args: [new Date().toISOString()] }]);
    const { key } = await createApiKey(hub.store, { tenant: 'default', name: 'sandbox console', role: 'admin' });
    io.err(
      [
        'sandboxes on loopback:',
        ...world.simulators.map((s) => `  ${s.name.padEnd(22)} ${s.url}`),
        ...(seeded ? [`stock: ${seeded} levels set for the first run`] : []),
        `admin API key for this run: ${key}`,
      ].join('\n'),
    );
    return { world, key };
  } finally {
    await hub.close();
  }
}

/** HUB_DATA_KEYS, when set: the keys receivers are sealed and opened with. */
function dataKeysFromEnv(): { dataKeys?: DataKey[] } {
  const text = process.env.HUB_DATA_KEYS;
  return text ? { dataKeys: parseDataKeys(text) } : {};
}

/**
 * A sandbox run without HUB_DATA_KEYS keeps a made-up key beside its database (data/sandbox.key),
 * so the next run opens what this one sealed. For the sandbox only: a real key lives in the environment.
 */
function sandboxDataKeys(url: string): DataKey[] {
  const dir = url.startsWith('file:') ? dirname(url.slice('file:'.length)) : './data';
  const file = join(dir, 'sandbox.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `sandbox=${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}\n`, { mode: 0o600 });
  }
  return parseDataKeys(readFileSync(file, 'utf8').trim());
}
