/**
 * The hub's structured log: pino, one JSON line per event. Every entry goes through the
 * personal-data mask first (receiver names, addresses, mainland mobile numbers), since error
 * messages and platform answers can quote them.
 */
import pino, { type DestinationStream } from 'pino';
import { maskPersonalData } from '../core/outbox/mask.ts';

export type Log = (entry: Record<string, unknown>) => void;

export function createLog(options: { level?: string; destination?: DestinationStream } = {}): Log {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { name: 'hub' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (entry) => maskPersonalData(entry) as Record<string, unknown> },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
  return (entry) => {
    const { event, ...rest } = entry;
    // Failures are warnings or errors by their name; everything else is information.
    const level = typeof event === 'string' && /failed|rejected|warning/.test(event) ? (event.endsWith('failed') ? 'error' : 'warn') : 'info';
    logger[level]({ event, ...rest });
  };
}
