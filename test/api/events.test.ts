import assert from "node:assert/strict";
import { test } from "node:test";
import { createEventHub, type SseSink } from "../../src/api/events.js";
import type { ExecTxResult } from "../../src/app/abci.js";
import type { CommittedBlockEvent } from "../../src/engine/types.js";
import { createSseParser, type SseMessage } from "../../src/sdk/sse.js";
import type { Timers } from "../../src/util/clock.js";

class FakeTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  fireAll(): void {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, t] of due) t.fn();
  }
}

class FakeSink implements SseSink {
  readonly chunks: string[] = [];
  congested = false;
  ended = false;
  destroyed = false;
  private drain: (() => void) | undefined;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return !this.congested;
  }
  onDrain(fn: () => void): void {
    this.drain = fn;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  release(): void {
    this.congested = false;
    const d = this.drain;
    this.drain = undefined;
    d?.();
  }
  messages(): SseMessage[] {
    const out: SseMessage[] = [];
    const p = createSseParser((m) => out.push(m));
    p.push(this.chunks.join(""));
    return out;
  }
}

function result(code: number, errorCode: string): ExecTxResult {
  return {
    code,
    errorCode,
    log: "",
    data: new Uint8Array(0),
    gasWanted: 0n,
    gasUsed: 0n,
    events: [{ type: "t", attributes: [{ key: "k", value: "v" }] }],
  };
}

function block(height: bigint, txs: number): CommittedBlockEvent {
  const txHashes = Array.from(
    { length: txs },
    (_, i) => `${height}`.padStart(4, "0") + `${i}`.padStart(60, "0"),
  );
  return {
    height,
    hash: new Uint8Array(32).fill(Number(height % 256n)),
    timeMs: 1000n * height,
    appHash: new Uint8Array(32).fill(7),
    txHashes,
    response: {
      events: [],
      txResults: txHashes.map((_, i) => (i === 1 ? result(601, "COIN_INSUFFICIENT_FUNDS") : result(0, ""))),
      validatorUpdates: [],
      appHash: new Uint8Array(32),
    },
  };
}

test("events: block and tx messages in order, filtered by type", () => {
  const hub = createEventHub(new FakeTimers(), { heartbeatMs: 15_000, maxLagEvents: 10 });
  const all = new FakeSink();
  const blocks = new FakeSink();
  hub.addClient(all, new Set(["block", "tx"]));
  hub.addClient(blocks, new Set(["block"]));
  hub.publish(block(5n, 2));
  const m = all.messages();
  assert.deepEqual(
    m.map((x) => [x.event, x.id]),
    [
      ["block", "5"],
      ["tx", "5-0"],
      ["tx", "5-1"],
    ],
  );
  assert.deepEqual(JSON.parse(m[0]!.data), {
    height: "5",
    hash: "05".repeat(32),
    timeMs: "5000",
    txs: 2,
    appHash: "07".repeat(32),
  });
  const tx1 = JSON.parse(m[2]!.data) as { code: number; errorCode: string; index: number; events: unknown };
  assert.equal(tx1.code, 601);
  assert.equal(tx1.errorCode, "COIN_INSUFFICIENT_FUNDS");
  assert.equal(tx1.index, 1);
  assert.deepEqual(tx1.events, [{ type: "t", attributes: [{ key: "k", value: "v" }] }]);
  assert.deepEqual(
    blocks.messages().map((x) => x.event),
    ["block"],
  );
});

test("events: a congested client is queued, flushed on drain, and dropped past the lag bound", () => {
  const hub = createEventHub(new FakeTimers(), { heartbeatMs: 15_000, maxLagEvents: 10 });
  const slow = new FakeSink();
  const fast = new FakeSink();
  hub.addClient(slow, new Set(["block"]));
  hub.addClient(fast, new Set(["block"]));
  slow.congested = true;
  hub.publish(block(1n, 0)); // written, reports congestion
  for (let h = 2n; h <= 6n; h++) hub.publish(block(h, 0)); // queued
  assert.equal(slow.chunks.length, 1);
  slow.release();
  assert.deepEqual(
    slow.messages().map((x) => x.id),
    ["1", "2", "3", "4", "5", "6"],
  );
  slow.congested = true;
  hub.publish(block(7n, 0));
  for (let h = 8n; h <= 17n; h++) hub.publish(block(h, 0)); // 10 queued: at the bound
  assert.equal(slow.destroyed, false);
  hub.publish(block(18n, 0)); // 11 queued: dropped
  assert.equal(slow.destroyed, true);
  assert.equal(hub.clientCount, 1);
  assert.equal(fast.messages().length, 18, "the fast client got everything");
});

test("events: heartbeat while clients are connected; unsubscribe and close", () => {
  const timers = new FakeTimers();
  const hub = createEventHub(timers, { heartbeatMs: 15_000, maxLagEvents: 10 });
  assert.equal(timers.pending.size, 0, "no timer without clients");
  const a = new FakeSink();
  const b = new FakeSink();
  const unsubscribeA = hub.addClient(a, new Set(["block"]));
  hub.addClient(b, new Set(["tx"]));
  assert.equal([...timers.pending.values()][0]?.ms, 15_000);
  timers.fireAll();
  assert.equal(a.chunks.join(""), ": heartbeat\n\n");
  assert.equal(a.messages().length, 0, "a heartbeat is a comment");
  unsubscribeA();
  hub.publish(block(1n, 1));
  assert.equal(a.chunks.length, 1, "unsubscribed client gets nothing more");
  assert.equal(hub.clientCount, 1);
  hub.close();
  assert.equal(b.ended, true);
  assert.equal(hub.clientCount, 0);
  assert.equal(timers.pending.size, 0, "heartbeat stopped");
  const late = new FakeSink();
  hub.addClient(late, new Set(["block"]));
  assert.equal(late.ended, true, "a closed hub ends new streams at once");
});
