/** FrameSink over a real pipe to a real process (`cat`), as wrap uses it for the child's stdin. */
import { expect, test } from "bun:test";
import { createFrameSink, HIGH_WATER_BYTES } from "../../../../src/transport/stdio/writer.ts";

function catProcess() {
  return Bun.spawn({ cmd: ["cat"], stdin: "pipe", stdout: "pipe", stderr: "ignore" });
}

test("frames written in one tick arrive whole and in order, each on its own line", async () => {
  const child = catProcess();
  const errors: unknown[] = [];
  const sink = createFrameSink(child.stdin, (e) => errors.push(e));
  const frames = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, pad: "p".repeat(i * 37) }));
  for (const f of frames) sink.writeLine(asStringOrBytes(f));
  await sink.end();
  const out = await new Response(child.stdout).text();
  expect(out).toBe(`${frames.join("\n")}\n`);
  expect(errors).toEqual([]);
  expect(await child.exited).toBe(0);
});

test("past the high-water mark backpressure() returns a promise that resolves once the peer has read", async () => {
  const child = catProcess();
  const sink = createFrameSink(child.stdin, () => {});
  const drained = new Response(child.stdout).arrayBuffer();
  const frame = "z".repeat(64 * 1024);
  expect(sink.backpressure()).toBeUndefined();
  let written = 0;
  while (written <= HIGH_WATER_BYTES) {
    sink.writeLine(frame);
    written += frame.length + 1;
  }
  const wait = sink.backpressure();
  expect(wait).toBeInstanceOf(Promise);
  // The same promise until it settles: readers share one drain.
  expect(sink.backpressure()).toBe(wait!);
  await wait;
  expect(sink.backpressure()).toBeUndefined();
  await sink.end();
  expect((await drained).byteLength).toBe(written);
});

/** Half the frames as strings, half as bytes: both kinds must come out the same. */
function asStringOrBytes(s: string): string | Uint8Array {
  return s.length % 2 === 0 ? s : new TextEncoder().encode(s);
}
