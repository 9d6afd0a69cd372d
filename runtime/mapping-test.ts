/**
 * `hub mapping test`: runs the fixture cases beside each mapping and reports coverage.
 *
 * Beside `mappings/tmall.yaml` sits `mappings/tmall.cases/`, holding for each case
 * `<case>.input.json` (or `.input.csv`) and either `<case>.expected.json` (the exact output)
 * or `<case>.error.txt` (lines the error message must contain).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { CoverageRecorder, formatPosition, type CompiledMapping } from '../core/mapping/index.ts';
import type { HubConfig } from './config.ts';
import { displayPath, loadMappingFile, readPayloads } from './mappings.ts';

export interface CaseResult {
  name: string;
  ok: boolean;
  /** A diff or what went wrong, when not ok. */
  detail?: string;
}

export interface MappingTestReport {
  mapping: string;
  /** Set when the mapping itself does not compile. */
  compileError?: string;
  cases: CaseResult[];
  unexercisedRules: string[];
  unreadFields: string[];
}

export async function findMappings(target: string): Promise<string[]> {
  const info = await stat(target);
  if (info.isFile()) return [target];
  const names = (await readdir(target)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return names.map((n) => join(target, n));
}

export async function testMapping(file: string, config: HubConfig): Promise<MappingTestReport> {
  const coverage = new CoverageRecorder();
  const report: MappingTestReport = { mapping: displayPath(file), cases: [], unexercisedRules: [], unreadFields: [] };
  let mapping: CompiledMapping;
  try {
    mapping = await loadMappingFile(file, { config, coverage });
  } catch (e) {
    report.compileError = (e as Error).message;
    return report;
  }
  const dir = file.replace(/\.ya?ml$/, '.cases');
  const names = await readdir(dir).catch(() => [] as string[]);
  const inputs: unknown[] = [];
  for (const inputName of names.filter((n) => /\.input\.(json|csv)$/.test(n)).sort()) {
    const name = inputName.replace(/\.input\.(json|csv)$/, '');
    const expectedFile = join(dir, `${name}.expected.json`);
    const errorFile = join(dir, `${name}.error.txt`);
    const expected = await readFile(expectedFile, 'utf8').catch(() => undefined);
    const expectedError = await readFile(errorFile, 'utf8').catch(() => undefined);
    if (expected === undefined && expectedError === undefined) {
      report.cases.push({ name, ok: false, detail: `no ${basename(expectedFile)} or ${basename(errorFile)} beside the input` });
      continue;
    }
    let outputs: unknown[];
    try {
      const payloads = await readPayloads(join(dir, inputName));
      inputs.push(...payloads);
      outputs = payloads.map((p) => mapping.run(p));
    } catch (e) {
      const message = (e as Error).message;
      if (expectedError === undefined) {
        report.cases.push({ name, ok: false, detail: `expected output, got error:\n${message}` });
      } else {
        const missing = expectedError.split('\n').map((l) => l.trim()).filter((l) => l && !message.includes(l));
        report.cases.push(
          missing.length ? { name, ok: false, detail: `the error does not say:\n  ${missing.join('\n  ')}\nit says:\n${message}` } : { name, ok: true },
        );
      }
      continue;
    }
    if (expected === undefined) {
      report.cases.push({ name, ok: false, detail: `expected an error, got output:\n${JSON.stringify(outputs, null, 2)}` });
      continue;
    }
    const actual = JSON.stringify(outputs.length === 1 ? outputs[0] : outputs, null, 2) + '\n';
    let wanted: string;
    try {
      wanted = JSON.stringify(JSON.parse(expected), null, 2) + '\n';
    } catch (e) {
      report.cases.push({ name, ok: false, detail: `${basename(expectedFile)} is not valid JSON: ${(e as Error).message}` });
      continue;
    }
    report.cases.push(
      actual === wanted ? { name, ok: true } : { name, ok: false, detail: createTwoFilesPatch(`${name}.expected.json`, 'actual', wanted, actual, '', '', { context: 3 }) },
    );
  }
  report.unexercisedRules = coverage.unexercised().map((r) => `${formatPosition(r.position)} ${r.label}`);
  report.unreadFields = coverage.unreadFields(inputs);
  return report;
}

export function formatReport(report: MappingTestReport): string {
  const out: string[] = [];
  if (report.compileError) return `✗ ${report.mapping}\n${indent(report.compileError)}`;
  const failed = report.cases.filter((c) => !c.ok);
  out.push(`${failed.length ? '✗' : '✓'} ${report.mapping}: ${report.cases.length - failed.length}/${report.cases.length} cases pass`);
  if (report.cases.length === 0) out.push('  no cases: add <name>.input.json and <name>.expected.json under ' + report.mapping.replace(/\.ya?ml$/, '.cases/'));
  for (const c of failed) out.push(`  ✗ ${c.name}`, indent(c.detail ?? '', 4));
  if (report.unexercisedRules.length) {
    out.push(`  rules no case exercised (${report.unexercisedRules.length}):`, ...report.unexercisedRules.map((r) => `    ${r}`));
  }
  if (report.unreadFields.length) {
    out.push(`  source fields in the cases that no rule reads (${report.unreadFields.length}):`, `    ${report.unreadFields.join(', ')}`);
  }
  return out.join('\n');
}

function indent(text: string, by = 2): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => ' '.repeat(by) + l)
    .join('\n');
}
