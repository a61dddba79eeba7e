import { lstatSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { CheckTxResponse } from "../app/abci.js";
import type { Application } from "../app/application.js";
import type { VerifyPool } from "../crypto/verifyPool.js";
import type { CommittedBlockEvent } from "../engine/types.js";
import { asConsortiaError, ConsortiaError } from "../errors.js";
import { formatListenAddress, type ListenAddress, parseListenAddress } from "./address.js";
import { AbciConnection } from "./connection.js";
import { AbciErrors } from "./errors.js";
import { DEFAULT_MAX_FRAME_BYTES } from "./framing.js";
import { AbciHandler, type FinalizedBlockEvent } from "./handler.js";
import { type AbciLogger, stderrAbciLogger } from "./log.js";
import { SerialQueue } from "./queue.js";

export type { FinalizedBlockEvent } from "./handler.js";

export interface AbciServerComponents {
  readonly app: Application;
  /** Parallel signature checks for CheckTx requests that arrive together; optional. */
  readonly verifyPool?: VerifyPool;
}

export interface AbciServerInit {
  /** CometBFT `proxy_app` syntax: "tcp://127.0.0.1:26658" (port 0 = any free port) or "unix:///path.sock". */
  readonly address: string;
  /** Refuse frames longer than this (default 128 MiB). */
  readonly maxFrameBytes?: number;
  /** ABCI is unauthenticated; a non-loopback TCP host is refused unless this is true. */
  readonly allowNonLoopback?: boolean;
  readonly log?: AbciLogger;
}

export interface AbciServer {
  start(): Promise<void>;
  /** Stops accepting, drops connections, and waits for the application call in flight (e.g. a commit). */
  stop(): Promise<void>;
  /** The bound address (with the real port when started on port 0). */
  address(): string;
  /** Open connections (CometBFT opens four). */
  connectionCount(): number;
  onFinalized(listener: (ev: FinalizedBlockEvent) => void): () => void;
  /** Fired after Commit's durable write, inside the serial queue; same shape as the solo engine's. */
  onCommitted(listener: (ev: CommittedBlockEvent) => void): () => void;
  /** CheckTx results of new transactions (not rechecks), in the order CometBFT asked. */
  onCheckTx(listener: (res: CheckTxResponse) => void): () => void;
}

export function createAbciServer(components: AbciServerComponents, init: AbciServerInit): AbciServer {
  const listen = parseListenAddress(init.address, init.allowNonLoopback ?? false);
  const maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) {
    throw new ConsortiaError(
      AbciErrors.ABCI_BAD_OPTION,
      `maxFrameBytes must be a positive integer (got ${maxFrameBytes})`,
    );
  }
  const log = init.log ?? stderrAbciLogger;
  const queue = new SerialQueue();
  const handler = new AbciHandler({
    app: components.app,
    queue,
    log,
    ...(components.verifyPool ? { verifyPool: components.verifyPool } : {}),
  });
  const connections = new Map<number, AbciConnection>();
  let nextId = 1;
  /** CometBFT processes that have connected so far (the first needs no reset). */
  let sessions = 0;
  let server: Server | undefined;
  let bound: ListenAddress = listen;
  let state: "new" | "running" | "stopped" = "new";
  let stopping: Promise<void> | undefined;

  const accept = (socket: Socket) => {
    if (state !== "running") {
      socket.destroy();
      return;
    }
    // Go's TCP sockets default to no Nagle; without this each small response waits ~40 ms for an ACK.
    if (listen.kind === "tcp") socket.setNoDelay(true);
    // CometBFT opens its four connections at start and exits when any of them drops, so a connection
    // arriving while none is open is a new CometBFT process: reset before any of its requests.
    if (connections.size === 0 && sessions++ > 0) {
      handler.newSession().then(
        (dropped) =>
          log({
            level: dropped === undefined ? "info" : "warn",
            message:
              dropped === undefined
                ? "new CometBFT session: uncommitted state reset"
                : `new CometBFT session: dropped block ${dropped} (finalized, never committed); the handshake replays it`,
          }),
        (err: unknown) =>
          log({ level: "error", message: `session reset failed: ${asConsortiaError(err).message}` }),
      );
    }
    const id = nextId++;
    const conn = new AbciConnection(id, socket, handler, log, maxFrameBytes);
    connections.set(id, conn);
    log({ level: "info", message: `connection #${id} opened from ${conn.remote}` });
    socket.on("error", (err) => {
      log({ level: "warn", message: `connection #${id}: socket error: ${err.message}` });
    });
    socket.on("close", () => {
      connections.delete(id);
      if (state !== "running") return;
      const pending = handler.uncommittedHeight;
      log({
        level: "warn",
        message:
          pending === undefined
            ? `connection #${id} closed; CometBFT has probably exited (it stops when any ABCI connection drops)`
            : `connection #${id} closed with block ${pending} finalized but not committed; it is dropped when ` +
              "CometBFT reconnects, and its handshake replays it",
      });
    });
  };

  return {
    async start() {
      if (state !== "new")
        throw new ConsortiaError(AbciErrors.ABCI_SERVER_STATE, `ABCI server cannot start: it is ${state}`);
      state = "running";
      try {
        server = await listenOn(listen, accept);
      } catch (err) {
        state = "stopped";
        throw err;
      }
      server.on("error", (err) => log({ level: "error", message: `listener error: ${err.message}` }));
      if (state !== "running") {
        // stop() ran while we were binding: it could not close what did not exist yet.
        server.close();
        return;
      }
      const a = server.address();
      if (a && typeof a === "object" && listen.kind === "tcp")
        bound = { kind: "tcp", host: listen.host, port: a.port };
      log({ level: "info", message: `listening on ${formatListenAddress(bound)}` });
    },

    stop() {
      stopping ??= (async () => {
        const wasRunning = state === "running";
        state = "stopped";
        handler.stop();
        for (const c of connections.values()) c.destroy();
        connections.clear();
        await queue.idle();
        if (wasRunning && server) {
          const s = server;
          await new Promise<void>((resolve) => s.close(() => resolve()));
        }
      })();
      return stopping;
    },

    address: () => formatListenAddress(bound),
    connectionCount: () => connections.size,
    onFinalized: (l) => handler.onFinalized(l),
    onCommitted: (l) => handler.onCommitted(l),
    onCheckTx: (l) => handler.onCheckTx(l),
  };
}

async function listenOn(addr: ListenAddress, accept: (s: Socket) => void): Promise<Server> {
  try {
    return await tryListen(addr, accept);
  } catch (err) {
    // A unix socket file left by a crashed process blocks listen; remove it only if it is a socket
    // and nobody answers on it (never some other file a typo pointed at).
    if (
      addr.kind !== "unix" ||
      (err as NodeJS.ErrnoException).code !== "EADDRINUSE" ||
      !isSocketFile(addr.path) ||
      (await isLive(addr.path))
    ) {
      throw new ConsortiaError(
        AbciErrors.ABCI_BAD_ADDRESS,
        `cannot listen on ${formatListenAddress(addr)}: ${(err as Error).message}`,
        {},
        { cause: err },
      );
    }
    unlinkSync(addr.path);
    return tryListen(addr, accept);
  }
}

function tryListen(addr: ListenAddress, accept: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(accept);
    server.once("error", reject);
    const onListening = () => {
      server.off("error", reject);
      resolve(server);
    };
    if (addr.kind === "unix") server.listen(addr.path, onListening);
    else server.listen(addr.port, addr.host, onListening);
  });
}

function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
