import { describe, expect, test } from "bun:test";
import { RECORD_HEADER_BYTES, Ring } from "../../../src/pool/ring.ts";

describe("Ring", () => {
  test("returns records in the order they were written, with their header fields", () => {
    const ring = Ring.create(1024);
    expect(ring.tryWrite(1, 7, 3, "first")).toBe("ok");
    expect(ring.tryWrite(2, 8, 4, "sécond ✓")).toBe("ok");
    expect(ring.tryWrite(3, 9, 5, "")).toBe("ok");
    expect(ring.read()).toEqual({ id: 1, word: 7, generation: 3, payload: "first" });
    expect(ring.read()).toEqual({ id: 2, word: 8, generation: 4, payload: "sécond ✓" });
    expect(ring.read()).toEqual({ id: 3, word: 9, generation: 5, payload: "" });
    expect(ring.read()).toBeUndefined();
    expect(ring.used).toBe(0);
  });

  test("wraps around the end many times without corrupting a record", () => {
    const ring = Ring.create(256);
    const seen: string[] = [];
    const sent: string[] = [];
    for (let i = 0; i < 500; i++) {
      const payload = `${i}-${"abcdefghij".slice(0, i % 11)}${"ü".repeat(i % 13)}`;
      sent.push(payload);
      expect(ring.tryWrite(i, 0, 0, payload)).toBe("ok");
      // Keep one or two records queued so the write position moves across the end.
      if (i % 3 !== 0) {
        while (ring.used > 96) seen.push(ring.read()!.payload);
      }
    }
    for (let r = ring.read(); r; r = ring.read()) seen.push(r.payload);
    expect(seen).toEqual(sent);
    expect(ring.used).toBe(0);
  });

  test("a payload of 3- and 4-byte characters ending at every position near the end arrives whole", () => {
    // Buffer#write stops before a character that does not fit: the ring must notice and wrap.
    for (let shift = 0; shift < 12; shift++) {
      const ring = Ring.create(128);
      const pad = "p".repeat(shift);
      const sent: string[] = [];
      const seen: string[] = [];
      for (let i = 0; i < 40; i++) {
        const payload = `${pad}${"€".repeat(i % 7)}${"😀".repeat(i % 5)}\ud800x`.slice(0, 60);
        sent.push(payload);
        expect(ring.tryWrite(i, 0, 0, payload)).toBe("ok");
        seen.push(ring.read()!.payload);
      }
      // A lone surrogate is written as U+FFFD, as TextEncoder does.
      expect(seen).toEqual(sent.map((x) => x.toWellFormed()));
      expect(ring.used).toBe(0);
    }
  });

  test("prefault leaves queued records intact", () => {
    const ring = Ring.create(64 * 1024);
    for (let i = 0; i < 100; i++) expect(ring.tryWrite(i, 1, 2, `record ${i} ✓`)).toBe("ok");
    ring.prefault();
    for (let i = 0; i < 100; i++)
      expect(ring.read()).toEqual({ id: i, word: 1, generation: 2, payload: `record ${i} ✓` });
    expect(ring.read()).toBeUndefined();
  });

  test("reports full when a record does not fit and accepts it once the consumer made room", () => {
    const ring = Ring.create(128);
    const payload = "x".repeat(40); // 16 + 40 = 56 bytes a record
    expect(ring.tryWrite(1, 0, 0, payload)).toBe("ok");
    expect(ring.tryWrite(2, 0, 0, payload)).toBe("ok");
    expect(ring.tryWrite(3, 0, 0, payload)).toBe("full");
    expect(ring.read()?.id).toBe(1);
    // The free bytes are now split: 16 at the end and 56 at the start; the record skips the end.
    expect(ring.tryWrite(3, 0, 0, payload)).toBe("ok");
    expect(ring.read()?.id).toBe(2);
    expect(ring.read()).toEqual({ id: 3, word: 0, generation: 0, payload });
    expect(ring.read()).toBeUndefined();
  });

  test("refuses a payload that could never fit, whatever is queued", () => {
    const ring = Ring.create(128);
    expect(ring.maxPayloadBytes).toBe(128 - RECORD_HEADER_BYTES);
    expect(ring.tryWrite(1, 0, 0, "y".repeat(ring.maxPayloadBytes + 1))).toBe("too_large");
    // Multi-byte characters are measured in UTF-8 bytes, not characters.
    expect(ring.tryWrite(1, 0, 0, "é".repeat(60))).toBe("too_large");
    expect(ring.tryWrite(1, 0, 0, "y".repeat(ring.maxPayloadBytes))).toBe("ok");
    expect(ring.read()?.payload.length).toBe(ring.maxPayloadBytes);
  });

  test("writes a head and a payload as one record, also when the record skips to offset 0", () => {
    // Records are at most ~160 bytes, so one queued and one new always fit.
    const ring = Ring.create(512);
    const sent: string[] = [];
    const seen: string[] = [];
    let skipped = 0;
    for (let i = 0; i < 200; i++) {
      const head = i % 4 === 0 ? "" : `{"n":${i},"ü":"✓"}\n`;
      const payload = `${"é".repeat(i % 9)}${"x".repeat((i * 13) % 90)}😀`;
      sent.push(head + payload);
      const before = ring.used;
      expect(ring.tryWrite(i, 0, 0, payload, head)).toBe("ok");
      const size = 16 + ((Buffer.byteLength(head + payload) + 3) & ~3);
      if (ring.used > before + size) skipped++;
      // Keep one record queued now and then, so records start at every offset and skip the end.
      if (i % 3 !== 0) while (ring.used > 0) seen.push(ring.read()!.payload);
    }
    for (let r = ring.read(); r; r = ring.read()) seen.push(r.payload);
    expect(seen).toEqual(sent);
    expect(skipped).toBeGreaterThan(0);
  });

  test("counts the head against the largest payload", () => {
    const ring = Ring.create(128);
    const room = ring.maxPayloadBytes;
    expect(ring.tryWrite(1, 0, 0, "y".repeat(room - 3), "abcd")).toBe("too_large");
    expect(ring.tryWrite(1, 0, 0, "y".repeat(room - 4), "éé")).toBe("ok");
    expect(ring.read()?.payload).toBe(`éé${"y".repeat(room - 4)}`);
  });

  test("delivers every record intact from concurrent producer threads", async () => {
    const ring = Ring.create(4096);
    const producers = 3;
    const count = 3000;
    const url = new URL("../../fixtures/workers/ring-producer-fixture.ts", import.meta.url);
    const workers = Array.from({ length: producers }, () => new Worker(url));
    const done = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.onmessage = () => resolve();
          w.onerror = (e) => reject(new Error(e.message));
        }),
    );
    workers.forEach((w, producer) => {
      w.postMessage({ ring: ring.buffer, producer, count });
    });
    const next = new Array<number>(producers).fill(0);
    let received = 0;
    let finished = false;
    void Promise.all(done).then(() => {
      finished = true;
    });
    try {
      while (received < producers * count) {
        const seen = ring.signal;
        for (let r = ring.read(); r; r = ring.read()) {
          const producer = r.word;
          const seq = next[producer]!;
          const expected = `${producer}:${seq}:${"é".repeat(seq % 97)}${"x".repeat((seq * 7) % 301)}`;
          if (r.id !== seq || r.generation !== seq || r.payload !== expected) {
            throw new Error(`producer ${producer} record ${seq} arrived as id ${r.id}: ${r.payload.slice(0, 40)}`);
          }
          next[producer] = seq + 1;
          received++;
        }
        if (finished && ring.used === 0 && received < producers * count) throw new Error("records lost");
        await ring.waitAsync(seen, 1000);
      }
    } finally {
      for (const w of workers) w.terminate();
    }
    expect(next).toEqual([count, count, count]);
    expect(ring.used).toBe(0);
  });
  test("a write wakes a registered waiter; one waiting with onWrite false only by wake or its timeout", async () => {
    const ring = Ring.create(1024);
    const registered = ring.waitAsync(ring.signal, 5000)!;
    expect(ring.tryWrite(1, 0, 0, "a")).toBe("ok");
    expect(await registered).toBe("ok");
    ring.read();

    let woken = false;
    const lazy = ring.waitAsync(ring.signal, 5000, false)!;
    void lazy.then(() => {
      woken = true;
    });
    expect(ring.tryWrite(2, 0, 0, "b")).toBe("ok");
    await Bun.sleep(30);
    expect(woken).toBe(false);
    ring.wake();
    expect(await lazy).toBe("ok");

    // Nobody is registered any more: a write does not notify, and a new waiter is not stuck.
    const seen = ring.signal;
    expect(ring.tryWrite(3, 0, 0, "c")).toBe("ok");
    expect(ring.waitAsync(seen, 5000)).toBeUndefined();
  });
});
