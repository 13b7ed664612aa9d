/**
 * Structured log lines: one JSON object per line with time, level and
 * message first, so journald and log shippers can index them.
 * @module
 */

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** Writes one structured line. */
export type LogLine = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** A {@link LogLine} writing JSON lines through `write`. */
export function jsonLogger(write: (text: string) => void, now: () => Date = () => new Date()): LogLine {
  return (level, message, fields = {}) => {
    write(`${JSON.stringify({ time: now().toISOString(), level, message, ...fields }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  };
}
