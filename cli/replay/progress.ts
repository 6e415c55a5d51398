/** A one-line progress bar on stderr, only when stderr is a terminal. */
import type { Writable } from "node:stream";
import { bytes as formatBytes } from "../format";
import { formatDuration } from "../status";

export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly stream: Writable,
    private readonly total: number | undefined,
    private readonly done: () => number,
    private readonly label: string,
  ) {}

  start(intervalMs = 200): void {
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
  }

  private draw(): void {
    const done = this.done();
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = `${formatBytes(done / secs)}/s`;
    const columns = (this.stream as Writable & { columns?: number }).columns ?? 80;
    let line: string;
    if (this.total && this.total > 0) {
      const frac = Math.min(done / this.total, 1);
      const width = Math.max(10, Math.min(40, columns - 50));
      const filled = Math.round(frac * width);
      const eta = frac > 0 ? secs / frac - secs : NaN;
      line = `${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${formatBytes(done)}/${formatBytes(this.total)} ${rate} eta ${formatDuration(eta)}`;
    } else {
      line = `${this.label} ${formatBytes(done)} ${rate}`;
    }
    this.stream.write(`\r${line.slice(0, columns - 1)}\u001b[K`);
    this.drawn = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.drawn) this.stream.write("\r\u001b[K");
  }
}
