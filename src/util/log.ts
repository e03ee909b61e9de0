// Structured logs (pino) on stderr, quiet by default: warnings and errors only.
// SLUICE_LOG_LEVEL=info|debug|trace turns up the volume.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.SLUICE_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, base: { name: 'sluice' } }, pino.destination(2));
}

/** A logger that drops everything; for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
