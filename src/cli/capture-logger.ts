/**
 * A logger for the live view: while the screen is being repainted, log lines
 * on stderr would tear it, so warnings and errors are kept (the last few) and
 * shown as notes in the view instead; debug/info are dropped.
 */
import type { Logger } from '../util/logger.js';

/** Keeps the last `capacity` warn/error messages. */
export class CaptureLogger implements Logger {
  private readonly lines: string[] = [];
  constructor(private readonly capacity = 3) {}

  debug(): void {}
  info(): void {}
  warn(obj: object, msg?: string): void {
    this.keep('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.keep('error', obj, msg);
  }

  /** The kept messages, oldest first. */
  recent(): readonly string[] {
    return this.lines;
  }

  private keep(level: string, obj: object, msg?: string): void {
    const code = (obj as { code?: unknown; err?: { code?: unknown } }).code ?? (obj as { err?: { code?: unknown } }).err?.code;
    const time = new Date().toISOString().slice(11, 19);
    this.lines.push(`${time} ${level}: ${msg ?? ''}${typeof code === 'string' ? ` (${code})` : ''}`);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}
