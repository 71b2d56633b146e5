import { describe, expect, test } from "bun:test";
import type { Identity } from "../../../../src/chain/types.ts";
import { Session } from "../../../../src/session/index.ts";
import { mintSessionId, type ProxySession, SessionTable } from "../../../../src/transport/http/sessions.ts";

const alice: Identity = { subject: "alice", method: "api_key", roles: [], scopes: [], labels: {} };
const bob: Identity = { subject: "bob", method: "api_key", roles: [], scopes: [], labels: {} };

function table(ttl = 1000, max = 10) {
  let t = 0;
  const dropped: ProxySession[] = [];
  const s = new SessionTable(
    ttl,
    max,
    () => t,
    (e) => dropped.push(e),
  );
  const open = (who: Identity, upstreamId: string | null = "up-1") =>
    s.open(who, "main", upstreamId, {}, (id) => new Session(id, who, "main"));
  return { s, open, dropped, advance: (ms: number) => (t += ms) };
}

describe("SessionTable", () => {
  test("opening a session reads its identity's labels, which may be found lazily from the request", () => {
    const { open } = table();
    let reads = 0;
    const lazy: Identity = {
      subject: "anonymous",
      method: "anonymous",
      roles: [],
      scopes: [],
      get labels() {
        reads++;
        return { client_address: "192.0.2.4" };
      },
    };
    const e = open(lazy);
    expect(reads).toBe(1);
    expect(e.session.identity?.labels.client_address).toBe("192.0.2.4");
  });

  test("minted ids are 32 url-safe characters (192 random bits) and do not repeat", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = mintSessionId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });

  test("a session is found by the id mcpgw minted, not by the upstream's, and carries the upstream's id", () => {
    const { s, open } = table();
    const e = open(alice, "upstream-id");
    expect(e.id).not.toBe("upstream-id");
    expect(e.session.id).toBe(e.id);
    const l = s.lookup(e.id, alice);
    expect(l.kind).toBe("found");
    expect(l.kind === "found" && l.entry.upstreamId).toBe("upstream-id");
    expect(s.lookup("upstream-id", alice).kind).toBe("unknown");
  });

  test("another subject presenting the id is refused as foreign", () => {
    const { s, open } = table();
    const e = open(alice);
    expect(s.lookup(e.id, bob).kind).toBe("foreign");
    expect(s.lookup(e.id, alice).kind).toBe("found");
  });

  test("an idle session expires: unknown afterwards, and handed to onDrop", () => {
    const { s, open, dropped, advance } = table(1000);
    const e = open(alice);
    advance(1001);
    expect(s.lookup(e.id, alice).kind).toBe("unknown");
    expect(dropped.map((d) => d.id)).toEqual([e.id]);
    expect(s.size).toBe(0);
  });

  test("past the cap the least recently used is evicted and handed to onDrop", () => {
    const { s, open, dropped, advance } = table(10_000, 2);
    const a = open(alice);
    advance(1);
    const b = open(alice);
    advance(1);
    expect(s.lookup(a.id, alice).kind).toBe("found");
    open(alice);
    expect(dropped.map((d) => d.id)).toEqual([b.id]);
    expect(s.lookup(b.id, alice).kind).toBe("unknown");
  });

  test("delete forgets the id without calling onDrop", () => {
    const { s, open, dropped } = table();
    const e = open(alice);
    s.delete(e.id);
    expect(s.lookup(e.id, alice).kind).toBe("unknown");
    expect(dropped).toEqual([]);
  });
});
