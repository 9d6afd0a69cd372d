import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('folder boundaries', () => {
  it('nothing that must run on Workers compiles code at run time', () => {
    const offenders = ['core', 'mappings', 'connectors', 'adapters']
      .flatMap((dir) => sources(dir))
      .filter((file) => /\bnew Function\(|(^|[^.\w])eval\(/m.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('core imports nothing outside core, and no Node built-ins', () => {
    const offenders: string[] = [];
    for (const file of sources('core')) {
      for (const [, spec] of readFileSync(join(root, file), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
        const outside = spec!.startsWith('.') && relative(join(root, 'core'), resolve(join(root, file), '..', spec!)).startsWith('..');
        if (outside || spec!.startsWith('node:')) offenders.push(`${file} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('tenants', () => {
  it('every SQL statement of the core names the tenant', () => {
    const offenders: string[] = [];
    for (const file of sources('core').filter((f) => !f.includes('/store/'))) {
      const text = readFileSync(join(root, file), 'utf8');
      // SQL lives in template or plain string literals that start with a statement keyword.
      const literals = [...text.matchAll(/`\s*((?:SELECT|INSERT|UPDATE|DELETE)\b[^`]*)`/g), ...text.matchAll(/'\s*((?:SELECT|INSERT|UPDATE|DELETE)\b[^']*)'/g)];
      for (const [, sql] of literals) {
        if (!/tenant/.test(sql!)) offenders.push(`${file}: ${sql!.replace(/\s+/g, ' ').slice(0, 80)}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
