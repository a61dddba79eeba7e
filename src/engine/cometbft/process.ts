/**
 * Supervision of one `cometbft start` child process: binary resolution with the pinned version,
 * output to <home>/cometbft.log, readiness = the RPC answers /status (CometBFT starts its RPC after
 * the ABCI handshake and any block replay), SIGTERM-then-SIGKILL stop, and a report with the last
 * log lines when it exits on its own.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConsortiaError } from "../../errors.js";
import { CometErrors } from "./errors.js";
import { LOG_FILE } from "./files.js";
import { CometRpc } from "./rpc.js";

/** The CometBFT release Consortia is built and tested against (scripts/setup.sh builds it). */
export const COMETBFT_VERSION = "0.38.26";

/** The repository / installed package root: the nearest ancestor with our package.json. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (;;) {
    const pj = join(dir, "package.json");
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, "utf8")) as { name?: unknown }).name === "consortia") return dir;
      } catch {
        // an unreadable package.json further down is not ours; keep climbing
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function binaryVersion(path: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(path, ["version"], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? "" : (stdout.split("\n")[0] ?? "").trim());
    });
  });
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const resolved = new Map<string, Promise<string>>();

/**
 * The cometbft binary to run: `explicit` if given, else <package root>/.bin/cometbft, else
 * `cometbft` on PATH; it must report exactly COMETBFT_VERSION (ABCI and config formats change
 * between minor releases). Cached per explicit path.
 */
export function resolveCometBinary(explicit = ""): Promise<string> {
  let p = resolved.get(explicit);
  if (!p) {
    p = findBinary(explicit);
    resolved.set(explicit, p);
    p.catch(() => resolved.delete(explicit));
  }
  return p;
}

async function findBinary(explicit: string): Promise<string> {
  const root = packageRoot();
  const bundled = root === undefined ? undefined : join(root, ".bin", "cometbft");
  const candidate =
    explicit !== "" ? explicit : bundled !== undefined && existsSync(bundled) ? bundled : onPath("cometbft");
  if (candidate === undefined || (explicit !== "" && !existsSync(explicit))) {
    throw new ConsortiaError(
      CometErrors.COMET_BINARY_NOT_FOUND,
      explicit !== ""
        ? `cometbft binary ${explicit} (option cometbft.binary) does not exist`
        : `cometbft ${COMETBFT_VERSION} not found: neither ${bundled ?? "<package>/.bin/cometbft"} nor cometbft on PATH; run scripts/setup.sh`,
      { searched: explicit !== "" ? [explicit] : [bundled ?? "", "PATH"] },
    );
  }
  const found = await binaryVersion(candidate);
  if (found !== COMETBFT_VERSION) {
    throw new ConsortiaError(
      CometErrors.COMET_BINARY_VERSION,
      `${candidate} reports version "${found}", but Consortia needs cometbft ${COMETBFT_VERSION}; run scripts/setup.sh`,
      { path: candidate, found, expected: COMETBFT_VERSION },
    );
  }
  return candidate;
}

/** Last lines of a log file, reading at most the final 16 KiB. */
export function tailFile(path: string, lines = 20): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = statSync(path).size;
    const len = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf
      .toString("utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface CometExit {
  readonly home: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly log: readonly string[];
  readonly error: ConsortiaError;
}

export interface CometProcessOptions {
  /** CometBFT home (written by files.ts). */
  readonly home: string;
  /** Resolved binary path (resolveCometBinary). */
  readonly binary: string;
  /** Its RPC, for readiness. */
  readonly rpcUrl: string;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  /** GOMAXPROCS for the child; 0 = leave Go's default. */
  readonly goMaxProcs?: number;
  /** Called once if the process exits without stop() having been asked. */
  readonly onUnexpectedExit?: (exit: CometExit) => void;
}

/** Children still running; killed when this process exits however it exits (short of SIGKILL). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

export class CometProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private readyOnce = false;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(private readonly opts: CometProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  get logPath(): string {
    return join(this.opts.home, LOG_FILE);
  }

  /** Spawns the process and resolves once its RPC answers; on failure the child is gone. */
  async start(): Promise<void> {
    if (this.child)
      throw new ConsortiaError(
        CometErrors.COMET_START_FAILED,
        `cometbft in ${this.opts.home} already started`,
      );
    installExitHook();
    const logFd = openSync(this.logPath, "a");
    let child: ChildProcess;
    try {
      const env = { ...process.env };
      // --home must win: CometBFT prefers $CMTHOME over the flag.
      delete env.CMTHOME;
      delete env.TMHOME;
      if (this.opts.goMaxProcs) env.GOMAXPROCS = String(this.opts.goMaxProcs);
      child = spawn(this.opts.binary, ["start", "--home", this.opts.home], {
        stdio: ["ignore", logFd, logFd],
        env,
        // Own process group: a terminal's Ctrl-C reaches us only, and we stop CometBFT in order
        // (after the API, before the ABCI server) instead of it racing our shutdown.
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal };
        live.delete(child);
        resolve();
        if (!this.stopping && this.readyOnce)
          this.opts.onUnexpectedExit?.(this.exitReport(CometErrors.COMET_EXITED));
      };
      child.once("exit", done);
      child.once("error", () => done(null, null));
    });
    try {
      await this.waitReady();
      this.readyOnce = true;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private exitReport(
    code: typeof CometErrors.COMET_EXITED | typeof CometErrors.COMET_START_FAILED,
  ): CometExit {
    const log = tailFile(this.logPath);
    const info = this.exitInfo ?? { code: null, signal: null };
    const how = info.signal ? `signal ${info.signal}` : `code ${info.code}`;
    const error = new ConsortiaError(
      code,
      `cometbft (home ${this.opts.home}) exited with ${how}; last log lines:\n  ${log.slice(-8).join("\n  ")}`,
      { home: this.opts.home, code: info.code, signal: info.signal, log },
    );
    return { home: this.opts.home, code: info.code, signal: info.signal, log, error };
  }

  private async waitReady(): Promise<void> {
    const rpc = new CometRpc({ url: this.opts.rpcUrl, timeoutMs: 5000 });
    const deadline = Date.now() + this.opts.startTimeoutMs;
    let delay = 50;
    for (;;) {
      if (this.exitInfo) throw this.exitReport(CometErrors.COMET_START_FAILED).error;
      const answered = await Promise.race([
        rpc.status().then(
          () => true,
          () => false, // not listening yet (handshake or replay still running)
        ),
        this.exited.then(() => false),
      ]);
      if (answered) return;
      if (Date.now() >= deadline) {
        throw new ConsortiaError(
          CometErrors.COMET_START_TIMEOUT,
          `cometbft (home ${this.opts.home}) RPC ${this.opts.rpcUrl} did not answer within ${this.opts.startTimeoutMs} ms`,
          { home: this.opts.home, timeoutMs: this.opts.startTimeoutMs, log: tailFile(this.logPath) },
        );
      }
      await Promise.race([new Promise((r) => setTimeout(r, delay)), this.exited]);
      delay = Math.min(delay * 2, 200);
    }
  }

  /** SIGTERM; SIGKILL if still alive after stopTimeoutMs. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || this.exitInfo) return this.exited;
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, this.opts.stopTimeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }
}
