/**
 * Drives the live view: on a terminal, repaints in place a few times a second
 * and reads single keys (d: toggle depth, q / Ctrl-C: quit); on a pipe,
 * prints one plain line per interval. The screen itself comes from
 * `live-view.ts`.
 */
import { redrawSequence, renderLiveView, renderPlainLine, type ViewSnapshot } from './live-view.js';

/** Options of {@link TerminalUi}. */
export interface TerminalUiOptions {
  /** Builds the snapshot to show (`showDepth` is passed in). */
  readonly snapshot: (showDepth: boolean) => ViewSnapshot;
  /** Redraw period on a terminal (ms). */
  readonly refreshMs: number;
  /** Plain-line period when stdout is not a terminal (ms). */
  readonly plainIntervalMs: number;
  /** Start with the depth view. */
  readonly showDepth: boolean;
  /** Called when the user asks to quit (q or Ctrl-C in raw mode). */
  readonly onQuit: () => void;
  readonly output?: NodeJS.WriteStream;
  readonly input?: NodeJS.ReadStream;
}

/** Defaults of the refresh periods. */
export const TERMINAL_UI_DEFAULTS = { refreshMs: 250, plainIntervalMs: 1000 } as const;

/** The live view's lifecycle. */
export class TerminalUi {
  private timer: NodeJS.Timeout | undefined;
  private showDepth: boolean;
  private readonly out: NodeJS.WriteStream;
  private readonly input: NodeJS.ReadStream;
  private readonly tty: boolean;
  private rawMode = false;
  private readonly onKey = (data: Buffer): void => this.key(data.toString('utf8'));

  constructor(private readonly options: TerminalUiOptions) {
    this.out = options.output ?? process.stdout;
    this.input = options.input ?? process.stdin;
    this.tty = this.out.isTTY === true;
    this.showDepth = options.showDepth;
  }

  /** True when the view repaints a terminal (false: plain lines). */
  get interactive(): boolean {
    return this.tty;
  }

  /** Key help for the view, or undefined when keys are not read. */
  keysHelp(): string | undefined {
    return this.rawMode ? 'keys: d toggle depth   q quit' : undefined;
  }

  /** Starts repainting (or printing plain lines). */
  start(): void {
    if (this.tty) {
      if (this.input.isTTY) {
        this.input.setRawMode(true);
        this.input.resume();
        this.input.on('data', this.onKey);
        this.rawMode = true;
      }
      this.out.write('\x1b[?25l\x1b[2J');
      this.paint();
      this.timer = setInterval(() => this.paint(), this.options.refreshMs);
    } else {
      this.timer = setInterval(() => this.out.write(`${renderPlainLine(this.options.snapshot(false))}\n`), this.options.plainIntervalMs);
    }
  }

  /** Paints once more, restores the terminal (cursor, raw mode) and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.rawMode) {
      this.input.off('data', this.onKey);
      this.input.setRawMode(false);
      this.input.pause();
      this.rawMode = false;
    }
    if (this.tty) {
      this.paint();
      this.out.write('\x1b[?25h');
    }
  }

  private paint(): void {
    const lines = renderLiveView(
      { ...this.options.snapshot(this.showDepth), keysHelp: this.keysHelp() },
      { width: this.out.columns ?? 120, color: true },
    );
    const rows = this.out.rows ?? lines.length + 1;
    // Never write past the bottom line: the terminal would scroll and the in-place repaint would smear.
    this.out.write(redrawSequence(lines.length >= rows ? lines.slice(0, rows - 1) : lines));
  }

  private key(k: string): void {
    if (k === 'q' || k === 'Q' || k === '\x03' || k === '\x04') this.options.onQuit();
    else if (k === 'd' || k === 'D') {
      this.showDepth = !this.showDepth;
      this.paint();
    }
  }
}
