import { connect, type Socket } from "node:net";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { ConsortiaError } from "../errors.js";
import { parseListenAddress } from "./address.js";
import { AbciErrors } from "./errors.js";
import { encodeFrames, FrameDecoder } from "./framing.js";

/**
 * A minimal ABCI socket client (what CometBFT's socket client does, minus its flush timer):
 * pipelined requests, responses matched to requests in order. For tests, benchmarks and tools.
 */
export class AbciSocketClient {
  private readonly decoder = new FrameDecoder();
  private readonly waiting: Array<{ resolve: (r: Response) => void; reject: (e: unknown) => void }> = [];
  private closedError: ConsortiaError | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => this.failAll("connection closed by server"));
    socket.on("error", (err) => this.failAll(`socket error: ${err.message}`));
  }

  static connect(address: string): Promise<AbciSocketClient> {
    const a = parseListenAddress(address);
    return new Promise((resolve, reject) => {
      const socket = a.kind === "unix" ? connect(a.path) : connect(a.port, a.host);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        if (a.kind === "tcp") socket.setNoDelay(true);
        resolve(new AbciSocketClient(socket));
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends requests in one write (plus a Flush) and resolves with their responses, Flush's excluded. */
  async call(reqs: readonly Request[]): Promise<Response[]> {
    const all = this.send([...reqs, { flush: {} }]);
    const res = await Promise.all(all);
    return res.slice(0, -1);
  }

  async callOne(req: Request): Promise<Response> {
    const [r] = await this.call([req]);
    return r!;
  }

  /** Writes requests without waiting; one promise per request, settled in order. */
  send(reqs: readonly Request[]): Promise<Response>[] {
    const out = reqs.map(() => this.expect());
    this.socket.write(encodeFrames(reqs.map((r) => Request.encode(r).finish())));
    return out;
  }

  /** Like `send`, for requests already protobuf-encoded (benchmarks keep encoding off the clock). */
  sendEncoded(payloads: readonly Uint8Array[]): Promise<Response>[] {
    const out = payloads.map(() => this.expect());
    this.socket.write(encodeFrames(payloads));
    return out;
  }

  /** Writes raw bytes (malformed-frame tests). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves when the server closes the connection. */
  waitClosed(): Promise<void> {
    if (this.socket.destroyed || this.socket.readableEnded) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }

  private expect(): Promise<Response> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private onData(chunk: Uint8Array): void {
    const frames: Uint8Array[] = [];
    try {
      this.decoder.push(chunk, frames);
      for (const f of frames) {
        const res = Response.decode(f);
        this.waiting.shift()?.resolve(res);
      }
    } catch (err) {
      this.failAll(`malformed response: ${(err as Error).message}`);
      this.socket.destroy();
    }
  }

  private failAll(why: string): void {
    this.closedError ??= new ConsortiaError(AbciErrors.ABCI_CONNECTION_CLOSED, why);
    for (const w of this.waiting.splice(0)) w.reject(this.closedError);
  }
}
