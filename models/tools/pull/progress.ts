// Terminal output for the puller: log lines, plus a download progress line that
// redraws in place on a TTY and becomes an occasional plain line otherwise (CI
// logs, pipes), so a 170 MB download neither floods a log nor looks stuck.

export interface Sink {
  isTTY?: boolean;
  write(text: string): unknown;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Terminal {
  readonly tty: boolean;
  private readonly sink: Sink;
  private statusShown = false;

  constructor(sink: Sink) {
    this.sink = sink;
    this.tty = sink.isTTY === true;
  }

  /** A whole line. On a TTY, first wipes the progress line so the two never interleave. */
  log(line: string): void {
    if (this.statusShown) {
      this.sink.write(CLEAR_LINE);
      this.statusShown = false;
    }
    this.sink.write(`${line}\n`);
  }

  /** TTY only: replace the single status line. */
  status(line: string): void {
    this.sink.write(CLEAR_LINE + line);
    this.statusShown = true;
  }

  /** TTY only: keep the last status line on screen and move below it. */
  endStatus(): void {
    if (this.statusShown) this.sink.write('\n');
    this.statusShown = false;
  }
}

/** 1.5 KiB, 21.8 MiB: binary units, as the Workers limits are stated. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressOptions {
  /** Non-TTY: seconds between plain progress lines. */
  plainEverySeconds?: number;
  now?: () => number;
}

/**
 * Bytes, percentage, speed (over the last ~5 s, so a stall shows quickly) and ETA.
 * `done` counts the whole file, including bytes kept from an earlier attempt.
 */
export class Progress {
  private readonly term: Terminal;
  private readonly label: string;
  private readonly now: () => number;
  private readonly plainEveryMs: number;
  private total: number | null = null;
  private samples: { t: number; bytes: number }[] = [];
  private lastDraw = 0;
  private lastPlain = 0;
  private done = 0;

  constructor(term: Terminal, label: string, options: ProgressOptions = {}) {
    this.term = term;
    this.label = label;
    this.now = options.now ?? Date.now;
    this.plainEveryMs = (options.plainEverySeconds ?? 5) * 1000;
  }

  /** (Re)start counting, e.g. after a resume or a restart from zero. */
  start(done: number, total: number | null): void {
    const t = this.now();
    this.total = total;
    this.done = done;
    this.samples = [{ t, bytes: done }];
    this.lastPlain = t;
  }

  update(done: number): void {
    this.done = done;
    const t = this.now();
    this.samples.push({ t, bytes: done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
    if (this.term.tty) {
      if (t - this.lastDraw >= 100) {
        this.lastDraw = t;
        this.term.status(this.line());
      }
    } else if (t - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = t;
      this.term.log(this.line());
    }
  }

  finish(): void {
    if (this.term.tty) {
      this.term.status(this.line());
      this.term.endStatus();
    } else {
      this.term.log(this.line());
    }
  }

  line(): string {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = first && last ? (last.t - first.t) / 1000 : 0;
    const speed = first && last && seconds > 0 ? (last.bytes - first.bytes) / seconds : 0;
    const parts = [`  ${this.label}`];
    if (this.total !== null && this.total > 0) {
      const pct = Math.min(100, (this.done / this.total) * 100);
      parts.push(`${formatBytes(this.done)} / ${formatBytes(this.total)}`, `${pct.toFixed(1)}%`);
    } else {
      parts.push(formatBytes(this.done));
    }
    parts.push(speed > 0 ? `${formatBytes(speed)}/s` : '-- MiB/s');
    if (this.total !== null) parts.push(`ETA ${this.done >= this.total ? '0s' : speed > 0 ? duration((this.total - this.done) / speed) : '--'}`);
    return parts.join('  ');
  }
}
