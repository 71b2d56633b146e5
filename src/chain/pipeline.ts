/**
 * Runs interceptors over one message. The chain is compiled once per configuration; a reload
 * compiles a new one and the transport swaps its reference.
 *
 * Order and precedence:
 *   1. c2s messages visit links in config order, s2c messages in reverse (Envoy's filter order).
 *   2. A link whose `applies(ctx)` is false is skipped.
 *   3. `pass` continues; `modify` replaces the message seen by later links and continues.
 *   4. `block` from an enforce-mode link (and not `auditOnly`) stops the chain: action `block`.
 *   5. `block` from an audit-mode link, or with `auditOnly`, is recorded as `would_block` and the
 *      chain continues with the message unchanged.
 *   6. A link that throws or exceeds its timeout: fail mode `closed` turns it into a block with
 *      INSPECTION_FAILED (subject to 4/5); `open` records an error and continues.
 */
import { ErrorCode } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import type { ChainLink, ChainResult, Finding, MessageContext, TrailEntry, Verdict } from "./types.ts";

export type RunChain = (msg: JsonRpcMessage, ctx: MessageContext) => ChainResult | Promise<ChainResult>;

type Block = Extract<Verdict, { kind: "block" }>;

class TimeoutError extends Error {
  constructor(name: string, ms: number) {
    super(`interceptor ${name} timed out after ${ms} ms`);
  }
}

function withTimeout(p: Promise<Verdict>, link: ChainLink): Promise<Verdict> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(link.interceptor.name, link.timeoutMs)), link.timeoutMs);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Receives errors from interceptors (for logs); never affects the decision beyond fail mode. */
export type ChainErrorSink = (interceptor: string, error: unknown) => void;

/** Mutable accumulator for one run; kept out of the closure so sync and async paths share it. */
class Run {
  current: JsonRpcMessage;
  modified = false;
  trail: TrailEntry[] = [];
  findings: Finding[] = [];
  decidedBy: string | null = null;
  rule: string | undefined;
  reason: string | undefined;
  wouldBlock = false;
  constructor(
    readonly original: JsonRpcMessage,
    readonly started: number,
  ) {
    this.current = original;
  }

  /** Applies one verdict; returns the final result when the chain must stop. */
  apply(link: ChainLink, v: Verdict): ChainResult | undefined {
    const name = link.interceptor.name;
    if (v.findings && v.findings.length > 0) for (const f of v.findings) this.findings.push(f);
    if (v.kind === "pass") {
      this.trail.push(v.rule === undefined ? { name, kind: "pass" } : { name, kind: "pass", rule: v.rule });
      return undefined;
    }
    if (v.kind === "modify") {
      this.trail.push({ name, kind: "modify", note: v.note, rule: v.rule });
      this.current = v.message;
      this.modified = true;
      if (!this.wouldBlock) {
        this.decidedBy = name;
        this.rule = v.rule;
        this.reason = v.note;
      }
      return undefined;
    }
    if (link.mode === "audit" || v.auditOnly === true) {
      this.trail.push({ name, kind: "would_block", rule: v.rule, reason: v.reason });
      if (!this.wouldBlock) {
        this.wouldBlock = true;
        this.decidedBy = name;
        this.rule = v.rule;
        this.reason = v.reason;
      }
      return undefined;
    }
    this.trail.push({ name, kind: "block", rule: v.rule, reason: v.reason });
    return {
      message: this.current,
      modified: this.modified,
      action: "block",
      block: v,
      decidedBy: name,
      rule: v.rule,
      reason: v.reason,
      findings: this.findings,
      trail: this.trail,
      durationMs: performance.now() - this.started,
    };
  }

  failure(link: ChainLink, error: unknown, onError: ChainErrorSink | undefined): ChainResult | undefined {
    const name = link.interceptor.name;
    onError?.(name, error);
    if (link.failMode === "open") {
      this.trail.push({ name, kind: "error", reason: String((error as Error)?.message ?? error) });
      return undefined;
    }
    const block: Block = {
      kind: "block",
      code: ErrorCode.INSPECTION_FAILED,
      reason: error instanceof TimeoutError ? "Inspection timed out" : "Inspection failed",
      rule: "fail_closed",
    };
    return this.apply(link, block);
  }

  finish(): ChainResult {
    return {
      message: this.current,
      modified: this.modified,
      action: this.wouldBlock ? "would_block" : this.modified ? "modify" : "pass",
      block: undefined,
      decidedBy: this.decidedBy,
      rule: this.rule,
      reason: this.reason,
      findings: this.findings,
      trail: this.trail,
      durationMs: performance.now() - this.started,
    };
  }
}

/** What a link started early produced: its verdict, or what it threw (or its timeout). */
type Outcome = { readonly ok: true; readonly verdict: Verdict } | { readonly ok: false; readonly error: unknown };

/** Where `advance` stopped: the end of the chain, a link that returned a promise, or a concurrent group. */
type Step =
  | { readonly done: true; readonly result: ChainResult }
  | { readonly done: false; readonly index: number; readonly verdict: Promise<Verdict> }
  | { readonly done: false; readonly index: number; readonly group: readonly number[] };

/** Compiles the ordered links into a function that judges one message. */
export function compileChain(links: readonly ChainLink[], onError?: ChainErrorSink): RunChain {
  const forward = Object.freeze([...links]);
  const backward = Object.freeze([...links].reverse());
  // Only a chain with a link that may go to the worker pool has anything to overlap.
  const overlaps = links.some((l) => l.interceptor.offloads !== undefined);

  /** Calls one link's inspect now; the outcome never rejects (timeouts count from here). */
  function begin(link: ChainLink, msg: JsonRpcMessage, ctx: MessageContext): Outcome | Promise<Outcome> {
    try {
      const v = link.interceptor.inspect(msg, ctx);
      if (!(v instanceof Promise)) return { ok: true, verdict: v };
      return withTimeout(v, link).then(
        (verdict): Outcome => ({ ok: true, verdict }),
        (error: unknown): Outcome => ({ ok: false, error }),
      );
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * Links `start`, `start+1`, … that apply and may run concurrently, when there are at least two
   * and one of them would go to the worker pool; else null.
   */
  function groupAt(order: readonly ChainLink[], first: number, ctx: MessageContext): number[] | null {
    const members = [first];
    let pooled = order[first]!.interceptor.offloads?.(ctx) === true;
    for (let j = first + 1; j < order.length; j++) {
      const i = order[j]!.interceptor;
      try {
        if (!i.applies(ctx)) continue;
        if (i.concurrent?.(ctx) !== true) break;
        members.push(j);
        if (!pooled && i.offloads?.(ctx) === true) pooled = true;
      } catch {
        break; // judged one by one from here, where the error is the link's own failure
      }
    }
    return pooled && members.length > 1 ? members : null;
  }

  /**
   * Judges a concurrent group, with the same result as one link after the other. A link starts
   * before an earlier one's verdict is known only when no link between them may modify the
   * message (its verdict would then be for a message that is not the one judged): the pooled
   * links among those are started first, then the others run on the event loop while the
   * workers scan. Verdicts are applied in chain order; a `modify` ends the group (the links
   * after it are judged on the new message). Returns the result when the chain stops, else
   * where to go on.
   */
  async function runGroup(
    run: Run,
    order: readonly ChainLink[],
    members: readonly number[],
    ctx: MessageContext,
  ): Promise<ChainResult | number> {
    const msg = run.current;
    const n = members.length;
    const links = members.map((i) => order[i]!);
    const modifies = links.map((l) => l.interceptor.mayModify?.(ctx) !== false);
    const outcomes: (Outcome | Promise<Outcome> | undefined)[] = new Array(n);
    for (let k = 0; k < n; k++) {
      if (links[k]!.interceptor.offloads?.(ctx) === true) outcomes[k] = begin(links[k]!, msg, ctx);
      if (modifies[k]) break;
    }
    for (let k = 0; k < n; k++) {
      // This link, and the ones after it up to the first that may modify the message.
      for (let m = k; m < n; m++) {
        outcomes[m] ??= begin(links[m]!, msg, ctx);
        if (modifies[m]) break;
      }
      const link = links[k]!;
      // A verdict already in hand is applied now: the next pooled link is sent without a hop.
      const pending = outcomes[k]!;
      const o = pending instanceof Promise ? await pending : pending;
      const stop = o.ok ? run.apply(link, o.verdict) : run.failure(link, o.error, onError);
      if (stop) return stop;
      if (run.current !== msg) return members[k]! + 1;
    }
    return members[n - 1]! + 1;
  }

  async function continueAsync(
    run: Run,
    order: readonly ChainLink[],
    ctx: MessageContext,
    step: Step,
  ): Promise<ChainResult> {
    let s = step;
    for (;;) {
      if (s.done) return s.result;
      let next: number;
      if ("group" in s) {
        const r = await runGroup(run, order, s.group, ctx);
        if (typeof r !== "number") return r;
        next = r;
      } else {
        const link = order[s.index]!;
        let stop: ChainResult | undefined;
        try {
          stop = run.apply(link, await withTimeout(s.verdict, link));
        } catch (e) {
          stop = run.failure(link, e, onError);
        }
        if (stop) return stop;
        next = s.index + 1;
      }
      s = advance(run, order, next, ctx);
    }
  }

  /** Runs links synchronously from `i` until one returns a promise, a concurrent group starts, or the chain ends. */
  function advance(run: Run, order: readonly ChainLink[], start: number, ctx: MessageContext): Step {
    for (let i = start; i < order.length; i++) {
      const link = order[i]!;
      let v: Verdict | Promise<Verdict>;
      try {
        if (!link.interceptor.applies(ctx)) continue;
        if (overlaps && link.interceptor.concurrent?.(ctx) === true) {
          const group = groupAt(order, i, ctx);
          if (group !== null) return { done: false, index: i, group };
        }
        v = link.interceptor.inspect(run.current, ctx);
      } catch (e) {
        const stop = run.failure(link, e, onError);
        if (stop) return { done: true, result: stop };
        continue;
      }
      if (v instanceof Promise) return { done: false, index: i, verdict: v };
      const stop = run.apply(link, v);
      if (stop) return { done: true, result: stop };
    }
    return { done: true, result: run.finish() };
  }

  return function runChain(msg, ctx) {
    const run = new Run(msg, performance.now());
    const order = ctx.direction === "c2s" ? forward : backward;
    const first = advance(run, order, 0, ctx);
    if (first.done) return first.result;
    return continueAsync(run, order, ctx, first);
  };
}
