import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import mappingSchema from '../core/mapping/mapping.schema.json' with { type: 'json' };
import { OPERATORS } from '../core/mapping/compile.ts';
import { lintMappingFile, BUILTIN_MAPPINGS } from '../runtime/mappings.ts';
import { findMappings, testMapping } from '../runtime/mapping-test.ts';
import { parseConfig } from '../runtime/config.ts';

const files = await findMappings(BUILTIN_MAPPINGS);
const channels = files.map((f) => f.replace(/^.*\//, '').replace(/\.yaml$/, ''));

describe('the built-in mappings', () => {
  it('cover every built-in channel', () => {
    expect(channels.sort()).toEqual(['douyin', 'jd', 'pos', 'tmall', 'webhook', 'youzan']);
  });

  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(mappingSchema);

  describe.each(files)('%s', (file) => {
    it('passes the static check with no error or warning', async () => {
      expect(await lintMappingFile(file)).toEqual([]);
    });

    it('fits the mapping file schema editors use', () => {
      const ok = validate(parseYaml(readFileSync(file, 'utf8')));
      expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
      expect(ok).toBe(true);
    });

    it('passes at least five cases and one rejected payload, exercising every rule', async () => {
      const report = await testMapping(file, parseConfig('{}', 'hub.yaml'));
      expect(report.compileError).toBeUndefined();
      expect(report.cases.filter((c) => !c.ok)).toEqual([]);
      expect(report.cases.length).toBeGreaterThanOrEqual(6);
      expect(report.unexercisedRules).toEqual([]);
    });
  });
});

describe('the mapping file schema', () => {
  it('describes every operator with exactly its options', () => {
    const expression = mappingSchema.$defs.expression.anyOf as Array<{ required?: string[]; properties?: Record<string, unknown> }>;
    const described = Object.fromEntries(
      expression.filter((e) => e.required).map((e) => [e.required![0], Object.keys(e.properties!).filter((k) => k !== e.required![0] && k !== 'default').sort()]),
    );
    const actual = Object.fromEntries(Object.entries(OPERATORS).map(([name, spec]) => [name, [...spec.options].sort()]));
    expect(described).toEqual(actual);
  });
});
