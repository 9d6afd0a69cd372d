/**
 * Loading mapping files and payloads from disk: the Node side of the mapping engine.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { compileMapping, lintMapping, type CompiledMapping, type CoverageRecorder, type JsonSchema, type MappingProblem } from '../core/mapping/index.ts';
import { parsePayloadJson } from '../core/payload/json.ts';
import { parseSalesCsv } from '../connectors/pos/csv.ts';
import type { HubConfig } from './config.ts';

export const BUILTIN_MAPPINGS = fileURLToPath(new URL('../mappings/', import.meta.url));

export function builtinMappingFile(channel: string): string {
  return join(BUILTIN_MAPPINGS, `${channel}.yaml`);
}

export class FileError extends Error {
  override name = 'FileError';
}

/** Reads a text file; what goes wrong (missing, a folder, unreadable) is said with the file's name. */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message;
    throw new FileError(`${file}: ${why}`);
  }
}

/** A path as the user should see it in messages: relative to where they ran the command. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

interface LoadOptions {
  config?: HubConfig;
  coverage?: CoverageRecorder;
}

async function compileOptions(file: string, text: string, options: LoadOptions) {
  const schemas: Record<string, JsonSchema> = {};
  let target: unknown;
  try {
    target = (parseYaml(text) as { target?: unknown } | null)?.target;
  } catch {
    // YAML errors are reported with positions by the compiler itself.
  }
  if (typeof target === 'string' && target.endsWith('.json')) {
    try {
      schemas[target] = JSON.parse(await readFile(resolve(dirname(file), target), 'utf8')) as JsonSchema;
    } catch {
      // Left out: the compiler reports the unknown target with its position.
    }
  }
  return {
    file: displayPath(file),
    attributes: options.config?.attributes ?? {},
    schemas,
    ...(options.coverage ? { coverage: options.coverage } : {}),
  };
}

export async function lintMappingFile(file: string, options: LoadOptions = {}): Promise<MappingProblem[]> {
  const text = await readText(file);
  return lintMapping(text, await compileOptions(file, text, options)).problems;
}

export async function loadMappingFile(file: string, options: LoadOptions = {}): Promise<CompiledMapping> {
  const text = await readText(file);
  return compileMapping(text, await compileOptions(file, text, options));
}

/**
 * Reads a payload file: JSON (big ids kept exact), or a POS sales CSV, which becomes one
 * payload per receipt.
 */
export async function readPayloads(file: string): Promise<unknown[]> {
  const text = await readText(file);
  if (extname(file).toLowerCase() === '.csv') return parseSalesCsv(text);
  return [parsePayloadJson(text)];
}
