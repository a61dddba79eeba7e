/**
 * Server-Sent Events fan-out of committed blocks and transactions. Each event is formatted once
 * and shared by every client. A client whose socket cannot keep up gets a bounded queue; past
 * `maxLagEvents` queued events it is disconnected (it can reconnect and catch up from the block
 * routes) so one slow reader never grows the node's memory.
 */

import { toHex } from "../crypto/hash.js";
import type { CommittedBlockEvent } from "../engine/types.js";
import type { Timers } from "../util/clock.js";
import { eventsToJson, toJsonText } from "./json.js";
import type { BlockEventJson, TxEventJson } from "./schemas.js";

export type EventType = "block" | "tx";

export interface EventHubOptions {
  /** Comment line sent to idle streams so proxies keep them open. */
  readonly heartbeatMs: number;
  readonly maxLagEvents: number;
}

export const defaultEventHubOptions: EventHubOptions = { heartbeatMs: 15_000, maxLagEvents: 10_000 };

/** The part of an HTTP response the hub needs; lets tests drive back-pressure by hand. */
export interface SseSink {
  /** false = the socket is congested; wait for `onDrain`. */
  write(chunk: string): boolean;
  onDrain(fn: () => void): void;
  /** Graceful end (server stopping). */
  end(): void;
  /** Abrupt close (client too slow). */
  destroy(): void;
}

export interface EventHub {
  readonly clientCount: number;
  /** Registers a stream; the returned function unsubscribes it (call on disconnect). */
  addClient(sink: SseSink, types: ReadonlySet<EventType>): () => void;
  publish(ev: CommittedBlockEvent): void;
  /** Ends every stream and stops the heartbeat. */
  close(): void;
}

interface Client {
  readonly sink: SseSink;
  readonly types: ReadonlySet<EventType>;
  queue: string[];
  head: number;
  blocked: boolean;
  closed: boolean;
}

const HEARTBEAT = ": heartbeat\n\n";

export function formatSse(event: string, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${toJsonText(data)}\n\n`;
}

export function createEventHub(timers: Timers, opts: EventHubOptions = defaultEventHubOptions): EventHub {
  const clients = new Set<Client>();
  let timer: unknown;
  let open = true;

  const remove = (c: Client) => {
    c.closed = true;
    c.queue = [];
    clients.delete(c);
    if (clients.size === 0 && timer !== undefined) {
      timers.clearTimeout(timer);
      timer = undefined;
    }
  };

  const flush = (c: Client) => {
    c.blocked = false;
    while (!c.closed && c.head < c.queue.length) {
      const chunk = c.queue[c.head++]!;
      if (!c.sink.write(chunk)) {
        block(c);
        break;
      }
    }
    if (c.head >= c.queue.length) {
      c.queue = [];
      c.head = 0;
    }
  };

  const block = (c: Client) => {
    c.blocked = true;
    c.sink.onDrain(() => flush(c));
  };

  const send = (c: Client, chunk: string) => {
    if (c.closed) return;
    if (c.blocked) {
      c.queue.push(chunk);
      if (c.queue.length - c.head > opts.maxLagEvents) {
        remove(c);
        c.sink.destroy();
      }
      return;
    }
    if (!c.sink.write(chunk)) block(c);
  };

  const heartbeat = () => {
    timer = undefined;
    if (!open || clients.size === 0) return;
    // A congested client does not need a keep-alive; skipping it keeps the queue for real events.
    for (const c of clients) if (!c.blocked) send(c, HEARTBEAT);
    timer = timers.setTimeout(heartbeat, opts.heartbeatMs);
  };

  return {
    get clientCount() {
      return clients.size;
    },
    addClient(sink, types) {
      const c: Client = { sink, types, queue: [], head: 0, blocked: false, closed: false };
      if (!open) {
        sink.end();
        return () => undefined;
      }
      clients.add(c);
      if (timer === undefined) timer = timers.setTimeout(heartbeat, opts.heartbeatMs);
      return () => remove(c);
    },
    publish(ev) {
      if (clients.size === 0) return;
      let wantBlock = false;
      let wantTx = false;
      for (const c of clients) {
        wantBlock ||= c.types.has("block");
        wantTx ||= c.types.has("tx");
      }
      const height = ev.height.toString();
      const blockChunk = wantBlock
        ? formatSse("block", height, {
            height,
            hash: toHex(ev.hash),
            timeMs: ev.timeMs.toString(),
            txs: ev.txHashes.length,
            appHash: toHex(ev.appHash),
          } satisfies BlockEventJson)
        : "";
      const txChunks = wantTx
        ? ev.txHashes.map((hash, index) => {
            const r = ev.response.txResults[index];
            const data: TxEventJson = {
              hash,
              height,
              index,
              code: r?.code ?? 0,
              errorCode: r?.errorCode ?? "",
              events: eventsToJson(r?.events ?? []),
            };
            return formatSse("tx", `${height}-${index}`, data);
          })
        : [];
      for (const c of [...clients]) {
        if (c.types.has("block")) send(c, blockChunk);
        if (c.types.has("tx")) for (const chunk of txChunks) send(c, chunk);
      }
    },
    close() {
      open = false;
      for (const c of [...clients]) {
        remove(c);
        c.sink.end();
      }
    },
  };
}
