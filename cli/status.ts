/**
 * A one-line status on a terminal (plan, the benchmarks): what is running, step i of n, time
 * elapsed and, when the steps' weights are known, an ETA. Nothing at all when the stream is not a
 * terminal (a pipe, a file, a test's buffer) or TERM is dumb, so piped output stays clean.
 */
import type { Writable } from "node:stream";
import { isTty } from "./io";

/** `0.4 s`, `12 s`, `2 min 05 s`, `1 h 02 min`: a duration with its unit. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "? s";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export class StatusLine {
  readonly enabled: boolean;
  private drawn = false;

  constructor(
    private readonly stream: Writable,
    env: Record<string, string | undefined> = process.env,
  ) {
    this.enabled = isTty(stream) && env.TERM !== "dumb";
  }

  show(text: string): void {
    if (!this.enabled) return;
    const columns = (this.stream as Writable & { columns?: number }).columns ?? 80;
    this.stream.write(`\r${text.slice(0, columns - 1)}\u001b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write("\r\u001b[K");
    this.drawn = false;
  }
}

/**
 * Steps of known number (and optional relative weights, e.g. the clusters each benchmark run
 * plans), redrawn every `intervalMs` while one runs: `[3/12] component, 100 clusters · 14 s elapsed · eta 1 min 10 s`.
 */
export class StepProgress {
  private readonly line: StatusLine;
  private readonly started = Date.now();
  private index = 0;
  private doneWeight = 0;
  private current = "";
  private timer: NodeJS.Timeout | undefined;
  private readonly totalWeight: number;

  constructor(
    stream: Writable,
    private readonly weights: number[],
    env?: Record<string, string | undefined>,
    private readonly intervalMs = 250,
  ) {
    this.line = new StatusLine(stream, env);
    this.totalWeight = weights.reduce((a, b) => a + b, 0);
  }

  /** Starts step `index + 1` of n, described by `what`; the previous step counts as done. */
  step(what: string): void {
    if (this.current !== "") this.doneWeight += this.weights[this.index++] ?? 0;
    this.current = what;
    if (!this.line.enabled) return;
    this.draw();
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), this.intervalMs);
      this.timer.unref();
    }
  }

  private draw(): void {
    const elapsed = (Date.now() - this.started) / 1000;
    let text = `[${this.index + 1}/${this.weights.length}] ${this.current} · ${formatDuration(elapsed)} elapsed`;
    if (this.doneWeight > 0 && this.totalWeight > this.doneWeight) {
      text += ` · eta ${formatDuration((elapsed * (this.totalWeight - this.doneWeight)) / this.doneWeight)}`;
    }
    this.line.show(text);
  }

  /** Clears the line (call before printing results, and when done). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.line.clear();
  }
}
