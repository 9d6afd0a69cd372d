/**
 * `hub serve` reloads a channel's mapping file when it changes. The new version replaces the
 * running one only once it compiles and passes the static check; until then the old one keeps
 * serving, and the log says what is wrong and where (file:line:column).
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ChannelSetup } from '../core/ingest/types.ts';
import { formatProblem, MappingLintError } from '../core/mapping/index.ts';
import type { HubConfig } from './config.ts';
import { channelSetup, mappingFileOf } from './hub.ts';
import { loadMappingFile } from './mappings.ts';

/** Watches every channel's mapping file; returns the function that stops watching. */
export function watchMappings(channels: Record<string, ChannelSetup>, config: HubConfig, log: (entry: Record<string, unknown>) => void): () => void {
  const byDir = new Map<string, Map<string, string>>();
  for (const channel of Object.keys(channels)) {
    const file = mappingFileOf(config, channel);
    const names = byDir.get(dirname(file)) ?? new Map<string, string>();
    names.set(basename(file), channel);
    byDir.set(dirname(file), names);
  }
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  const reload = async (channel: string, file: string) => {
    try {
      const mapping = await loadMappingFile(file, { config });
      channels[channel] = channelSetup(channel, mapping);
      log({ event: 'mapping.reloaded', channel, file, warnings: mapping.warnings.length });
    } catch (error) {
      const problems = error instanceof MappingLintError ? error.problems.filter((p) => p.severity === 'error').map(formatProblem) : [(error as Error).message];
      log({ event: 'mapping.reload_failed', channel, file, problems, note: 'the previous version keeps serving' });
    }
  };
  // Directories, not files: editors save by writing a new file and renaming it over the old one.
  const watchers: FSWatcher[] = [...byDir].map(([dir, names]) =>
    watch(dir, (_event, name) => {
      const channel = name ? names.get(String(name)) : undefined;
      if (!channel) return;
      const file = `${dir}/${String(name)}`;
      // An editor's save is several events: act once it settles.
      clearTimeout(pending.get(file));
      pending.set(file, setTimeout(() => void reload(channel, file), 100));
    }),
  );
  return () => {
    for (const w of watchers) w.close();
    for (const t of pending.values()) clearTimeout(t);
  };
}
