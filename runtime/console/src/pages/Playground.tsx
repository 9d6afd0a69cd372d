/**
 * The mapping playground: a channel's mapping (editable), a pasted payload, and what comes out:
 * the canonical order, or the errors with the mapping and payload lines they point at marked.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { json } from '../format.ts';
import { t } from '../i18n.ts';

interface Problem {
  severity?: string;
  kind?: string;
  message: string;
  line?: number | null;
  column?: number | null;
  payloadLine?: number;
  problems?: Array<{ path: string; message: string; line: number | null }>;
}

interface DryRun {
  ok: boolean;
  outputs: unknown[];
  errors: Problem[];
  problems: Problem[];
}

/** Text with line numbers, the marked lines highlighted. */
function NumberedText({ text, marked, testId }: { text: string; marked: Set<number>; testId: string }) {
  return (
    <pre class="numbered" data-testid={testId}>
      {text.split('\n').map((line, i) => (
        <div class={marked.has(i + 1) ? 'err-line' : ''} data-line={i + 1}>
          <span class="ln">{i + 1}</span>
          {line || ' '}
        </div>
      ))}
    </pre>
  );
}

export function PlaygroundPage() {
  const [mappings, setMappings] = useState<Array<{ channel: string; text: string }>>([]);
  const [channel, setChannel] = useState('webhook');
  const [text, setText] = useState('');
  const [payload, setPayload] = useState('{\n  "id": "WEB-1",\n  "status": "paid"\n}');
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => void api<{ mappings: typeof mappings }>('/mappings').then((d) => setMappings(d.mappings)), []);
  useEffect(() => {
    const found = mappings.find((m) => m.channel === channel);
    if (found) setText(found.text);
  }, [channel, mappings]);

  const run = async () => {
    try {
      setResult(await api<DryRun>('/mappings/dry-run', { method: 'POST', body: { channel, payload, text } }));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const all = result ? [...result.problems, ...result.errors] : [];
  const mappingLines = new Set(all.flatMap((p) => [p.line ?? 0, ...(p.problems ?? []).map((q) => q.line ?? 0)]).filter((n) => n > 0));
  const payloadLines = new Set(all.map((p) => p.payloadLine ?? 0).filter((n) => n > 0));
  return (
    <section>
      <div class="filters">
        <select value={channel} onChange={(e) => setChannel(e.currentTarget.value)} aria-label={t('pg.mapping')} data-testid="pg-channel">
          {mappings.map((m) => (
            <option value={m.channel}>{m.channel}</option>
          ))}
        </select>
        <button type="button" onClick={() => void run()} data-testid="pg-run">
          {t('pg.run')}
        </button>
        {result && <span class={result.ok ? 'good' : 'bad'}>{result.ok ? t('pg.ok') : `${all.filter((p) => p.severity !== 'warning').length} ${t('pg.errors')}`}</span>}
      </div>
      {error && <p class="error">{error}</p>}
      <div class="grid2">
        <div>
          <h3>{t('pg.mapping')}</h3>
          <textarea rows={16} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="pg-mapping" spellcheck={false} />
          {mappingLines.size > 0 && <NumberedText text={text} marked={mappingLines} testId="pg-mapping-lines" />}
        </div>
        <div>
          <h3>{t('pg.payload')}</h3>
          <textarea rows={16} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} data-testid="pg-payload" spellcheck={false} />
          {payloadLines.size > 0 && <NumberedText text={payload} marked={payloadLines} testId="pg-payload-lines" />}
        </div>
      </div>
      {result && all.length > 0 && (
        <div class="panel">
          <h3>{t('pg.errors')}</h3>
          <ul data-testid="pg-errors">
            {all.map((p) => (
              <li class={p.severity === 'warning' ? 'muted' : 'error'}>
                {p.line ? `mapping ${p.line}:${p.column ?? ''} ` : p.payloadLine ? `payload ${p.payloadLine} ` : ''}
                {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {result && result.outputs.length > 0 && (
        <div class="panel">
          <h3>{t('pg.output')}</h3>
          <pre data-testid="pg-output">{json(result.outputs.length === 1 ? result.outputs[0] : result.outputs)}</pre>
        </div>
      )}
    </section>
  );
}
