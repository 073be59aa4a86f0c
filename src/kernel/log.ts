import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level: string;
  /** Pretty lines for a person at a terminal, JSON lines for everything else (log shippers, CI). */
  format: 'pretty' | 'json';
}

const MAX_MESSAGE = 500;

/**
 * Errors as a short record: type, code, message and stack, nothing else. A driver's error carries
 * its client, socket and the SQL text it was running; none of that belongs in a log line.
 */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error).slice(0, MAX_MESSAGE) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message.slice(0, MAX_MESSAGE),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.stack ? { stack: error.stack.split('\n').slice(0, 12).join('\n') } : {}),
  };
}

export function createLogger(options: LogOptions): Logger {
  return pino({
    level: options.level,
    base: undefined,
    serializers: { err: serializeError, error: serializeError },
    ...(options.format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}

/** A logger that drops everything: for tests and one-shot commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
