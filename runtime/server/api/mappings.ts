/** Mappings: the channels' mapping files, lint of a pasted one, and a dry run on a pasted payload. */
import { readFile } from 'node:fs/promises';
import { decodeJson } from '../../../core/ingest/decode.ts';
import type { ChannelSetup } from '../../../core/ingest/types.ts';
import { lintMapping, MappingOutputError, MappingRuntimeError, type CompiledMapping, type MappingProblem } from '../../../core/mapping/index.ts';
import { PayloadSyntaxError } from '../../../core/payload/json.ts';
import type { AttributeDeclarations } from '../../../core/order/index.ts';
import { ApiError, defineRoute } from './route.ts';
import { anything, list, nullable, object, str } from './schemas.ts';

export interface MappingSource {
  channel: string;
  file: string;
  setup: ChannelSetup;
}

const problem = object({ severity: str, message: str, line: { type: 'integer' }, column: { type: 'integer' } }, ['severity', 'message']);
const problemView = (p: MappingProblem) => ({ severity: p.severity, message: p.message, line: p.position.line, column: p.position.column });

/** What went wrong in a dry run, with the mapping line and the payload path where there is one. */
function dryRunError(error: unknown) {
  if (error instanceof PayloadSyntaxError) return { kind: 'payload', message: error.message, payloadLine: error.line, payloadColumn: error.column };
  if (error instanceof MappingRuntimeError) return { kind: 'mapping', message: error.message, line: error.position.line, column: error.position.column, field: error.target, sourcePath: error.sourcePath ?? null };
  if (error instanceof MappingOutputError) return { kind: 'schema', message: error.message, problems: error.problems.map((p) => ({ path: p.path, message: p.message, line: p.position?.line ?? null, column: p.position?.column ?? null })) };
  return { kind: 'payload', message: (error as Error).message };
}

export function mappingRoutes(sources: MappingSource[], attributes: AttributeDeclarations) {
  const byChannel = new Map(sources.map((s) => [s.channel, s]));
  const channelOf = (name: string) => {
    const found = byChannel.get(name);
    if (!found) throw new ApiError(404, 'not_found', `no mapping for channel "${name}" (channels: ${[...byChannel.keys()].join(', ')})`);
    return found;
  };
  return [
    defineRoute({
      operationId: 'listMappings',
      method: 'get',
      path: '/mappings',
      role: 'viewer',
      tag: 'mappings',
      summary: "Each channel's mapping file, with its text",
      response: object({ mappings: list(object({ channel: str, name: str, description: nullable(str), text: str })) }),
      run: async () => ({
        body: {
          mappings: await Promise.all(sources.map(async (s) => ({ channel: s.channel, name: s.setup.mapping.name, description: s.setup.mapping.description ?? null, text: await readFile(s.file, 'utf8') }))),
        },
      }),
    }),
    defineRoute<{ text: string }>({
      operationId: 'lintMapping',
      method: 'post',
      path: '/mappings/lint',
      role: 'viewer',
      tag: 'mappings',
      readOnly: true,
      summary: 'Check a mapping text: every problem with its line and column',
      body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' } } },
      response: object({ ok: { type: 'boolean' }, problems: list(problem) }),
      run: async ({ body }) => {
        const { problems, mapping } = lintMapping(body.text, { file: 'mapping.yaml', attributes });
        return { body: { ok: Boolean(mapping), problems: problems.map(problemView) } };
      },
    }),
    defineRoute<{ channel: string; payload: string; text?: string }>({
      operationId: 'dryRunMapping',
      method: 'post',
      path: '/mappings/dry-run',
      role: 'viewer',
      tag: 'mappings',
      readOnly: true,
      summary: "Map a pasted payload with a channel's mapping (or a pasted mapping text); nothing is stored",
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['channel', 'payload'],
        properties: { channel: { type: 'string' }, payload: { type: 'string', description: 'the raw payload as the channel sends it (JSON, or CSV for pos)' }, text: { type: 'string', description: 'a mapping to try instead of the current one' } },
      },
      response: object({ ok: { type: 'boolean' }, outputs: list(anything), errors: list(anything), problems: list(problem) }, ['ok']),
      run: async ({ body }) => {
        const { setup } = channelOf(body.channel);
        let mapping: CompiledMapping = setup.mapping;
        if (body.text !== undefined) {
          const linted = lintMapping(body.text, { file: 'mapping.yaml', attributes });
          if (!linted.mapping) return { body: { ok: false, outputs: [], errors: [], problems: linted.problems.map(problemView) } };
          mapping = linted.mapping;
        }
        const outputs: unknown[] = [];
        const errors: unknown[] = [];
        try {
          const payloads = (setup.decode ?? decodeJson)(body.payload);
          for (const [index, payload] of payloads.entries()) {
            try {
              outputs.push(mapping.run(payload));
            } catch (error) {
              errors.push({ index, ...dryRunError(error) });
            }
          }
        } catch (error) {
          errors.push(dryRunError(error));
        }
        return { body: { ok: errors.length === 0, outputs, errors, problems: mapping.warnings.map(problemView) } };
      },
    }),
  ];
}
