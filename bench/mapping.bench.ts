/**
 * npm run bench:mapping — the Tmall mapping three ways, in one process, on the same inputs:
 * compiled YAML, the same mapping in JSONata, and a hand-written TypeScript function.
 * Prints orders/s (median of the rounds) for each and the two ratios. All three must give the
 * same output before anything is timed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import jsonata from 'jsonata';
import { compileMapping } from '../core/mapping/index.ts';
import { parsePayloadJson } from '../core/payload/json.ts';
import { mapTmallByHand } from './tmall-hand.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const ROUND_MS = Number(process.env.ROUND_MS ?? 400);

const casesDir = new URL('../mappings/tmall.cases/', import.meta.url);
const inputs = readdirSync(casesDir)
  .filter((n) => n.endsWith('.expected.json'))
  .map((n) => parsePayloadJson(readFileSync(new URL(n.replace('.expected.', '.input.'), casesDir), 'utf8')) as Record<string, unknown>);

const yaml = compileMapping(readFileSync(new URL('../mappings/tmall.yaml', import.meta.url), 'utf8'), { file: 'mappings/tmall.yaml' });
const expression = jsonata(readFileSync(new URL('./tmall.jsonata', import.meta.url), 'utf8'));

type Impl = { name: string; map: (input: Record<string, unknown>) => unknown | Promise<unknown> };
const impls: Impl[] = [
  { name: 'compiled YAML', map: (i) => yaml.transform(i) },
  { name: 'JSONata', map: (i) => expression.evaluate(i) },
  { name: 'hand-written TS', map: (i) => mapTmallByHand(i) },
];

// Same answers first: a benchmark of different work measures nothing.
for (const input of inputs) {
  const reference = JSON.parse(JSON.stringify(yaml.run(input)));
  for (const impl of impls) {
    const out = JSON.parse(JSON.stringify(await impl.map(input)));
    if (!isDeepStrictEqual(out, reference)) {
      console.error(`${impl.name} disagrees with the YAML mapping on ${String(input.tid_str ?? input.tid)}`);
      console.error(JSON.stringify(out, null, 1));
      process.exit(1);
    }
  }
}

async function ordersPerSecond(impl: Impl): Promise<number> {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  let sink = 0;
  while (elapsed < ROUND_MS) {
    for (const input of inputs) {
      const out = impl.map(input);
      sink += (out instanceof Promise ? await out : out) ? 1 : 0;
    }
    count += inputs.length;
    elapsed = performance.now() - start;
  }
  if (sink !== count) throw new Error('lost an output');
  return (count / elapsed) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const impl of impls) await ordersPerSecond(impl); // warm up the JIT
const samples = new Map(impls.map((i) => [i.name, [] as number[]]));
for (let round = 0; round < ROUNDS; round++) {
  // Interleave the implementations so machine noise hits all three alike.
  for (const impl of impls) samples.get(impl.name)!.push(await ordersPerSecond(impl));
}

const rate = Object.fromEntries([...samples].map(([name, xs]) => [name, median(xs)]));
console.log(`Tmall mapping, ${inputs.length} real-shaped trades, ${ROUNDS} rounds of ${ROUND_MS} ms, median orders/s:`);
for (const impl of impls) console.log(`  ${impl.name.padEnd(16)} ${Math.round(rate[impl.name]!).toLocaleString('en-US').padStart(12)}`);
const vsJsonata = rate['compiled YAML']! / rate['JSONata']!;
const vsHand = rate['compiled YAML']! / rate['hand-written TS']!;
console.log(`compiled YAML / JSONata         = ${vsJsonata.toFixed(1)}x   (goal >= 30x)`);
console.log(`compiled YAML / hand-written TS = ${vsHand.toFixed(2)}x  (goal >= 0.3x)`);
