import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileMapping, lintMapping, formatProblem, type JsonSchema } from '../../core/mapping/index.ts';
import schema from './create-order.schema.json' with { type: 'json' };

const here = (file: string) => new URL(file, import.meta.url);
const FILE = 'adapters/carrier-sf/create-order.yaml';
const TEXT = readFileSync(here('./create-order.yaml'), 'utf8');
const options = { file: FILE, schemas: { 'create-order.schema.json': schema as JsonSchema } };

describe('create-order.yaml (order + parcel + sender → EXP_RECE_CREATE_ORDER msgData)', () => {
  const mapping = compileMapping(TEXT, options);
  const dir = here('./create-order.cases/');
  const inputs = readdirSync(dir).filter((n) => n.endsWith('.input.json')).sort();

  it('has cases, and no warnings', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(3);
    expect(mapping.warnings).toEqual([]);
  });

  for (const input of inputs) {
    const name = input.replace('.input.json', '');
    it(`case ${name}`, () => {
      const source = JSON.parse(readFileSync(new URL(input, dir), 'utf8')) as unknown;
      const expected = readdirSync(dir).includes(`${name}.expected.json`) ? (JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), 'utf8')) as unknown) : undefined;
      if (expected !== undefined) {
        expect(mapping.run(source)).toEqual(expected);
      } else {
        const lines = readFileSync(new URL(`${name}.error.txt`, dir), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
        let message = '';
        try {
          mapping.run(source);
        } catch (e) {
          message = (e as Error).message;
        }
        for (const line of lines) expect(message).toContain(line);
      }
    });
  }

  it('is checked against the msgData schema: a misspelt field or a bad payMethod is a lint error at its line', () => {
    const broken = TEXT.replace('payMethod: 1 ', 'payMethod: 4 ').replace('      county: $.sender.county', '      district: $.sender.county');
    expect(lintMapping(broken, options).problems.map(formatProblem)).toEqual([
      'adapters/carrier-sf/create-order.yaml:22:14: error: payMethod: 4 is not one of 1, 2, 3',
      expect.stringMatching(/^adapters\/carrier-sf\/create-order\.yaml:40:7: error: contactInfoList\[0\]\.district is not a field of contactInfoList\[0\]/),
    ]);
  });
});
