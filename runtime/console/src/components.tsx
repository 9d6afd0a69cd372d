/** Pieces every page uses: a titled panel, and a filter dropdown whose empty choice means all. */
import type { ComponentChildren } from 'preact';
import { t } from './i18n.ts';

export function Panel({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <div class="panel">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function FilterSelect({ label, value, choices, onChange }: { label: string; value: string; choices: readonly string[]; onChange: (value: string) => void }) {
  return (
    <select value={value} onChange={(e) => onChange(e.currentTarget.value)} aria-label={label}>
      <option value="">
        {label}: {t('common.all')}
      </option>
      {choices.map((c) => (
        <option value={c}>{c}</option>
      ))}
    </select>
  );
}
