import * as assert from "node:assert/strict";
import { Writable } from "node:stream";
import { formatDuration, StepProgress } from "../../cli/status";

class Screen extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("progress status line (plan, benchmarks)", () => {
  it("formatDuration always carries a unit", () => {
    assert.equal(formatDuration(0.44), "0.4 s");
    assert.equal(formatDuration(42), "42 s");
    assert.equal(formatDuration(125), "2 min 05 s");
    assert.equal(formatDuration(3720), "1 h 02 min");
    assert.equal(formatDuration(NaN), "? s");
  });

  it("on a terminal: step i of n, what runs, elapsed, then an ETA with its unit; cleared at the end", async () => {
    const screen = new Screen(true);
    const p = new StepProgress(screen, [1, 3], {});
    p.step("planning stack prod");
    assert.match(screen.text, /\[1\/2\] planning stack prod · \d+\.\d s elapsed/);
    await sleep(30);
    p.step("planning stack dev");
    assert.match(screen.text, /\[2\/2\] planning stack dev · \d+\.\d s elapsed · eta \d+\.\d s/);
    p.stop();
    assert.ok(screen.text.endsWith("\r\u001b[K"));
  });

  it("nothing at all on a pipe or file, or when TERM is dumb", () => {
    for (const [screen, env] of [
      [new Screen(false), {}],
      [new Screen(true), { TERM: "dumb" }],
    ] as const) {
      const p = new StepProgress(screen, [1, 1], env);
      p.step("a");
      p.step("b");
      p.stop();
      assert.equal(screen.text, "");
    }
  });
});
