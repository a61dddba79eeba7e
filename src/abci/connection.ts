import type { Socket } from "node:net";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { asConsortiaError, type ConsortiaError } from "../errors.js";
import { encodeResponse } from "./encode.js";
import { encodeFrames, FrameDecoder } from "./framing.js";
import type { AbciHandler } from "./handler.js";
import type { AbciLogger } from "./log.js";

/**
 * One CometBFT connection (consensus, mempool, query or snapshot — the protocol does not say
 * which). Everything read in one socket read is handled as a batch and its responses go out in
 * one write, after every earlier batch's: responses leave strictly in request order, and a
 * ResponseFlush is written only after all responses before it.
 */
export class AbciConnection {
  private readonly decoder: FrameDecoder;
  private writeTail: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly handler: AbciHandler,
    private readonly log: AbciLogger,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  get remote(): string {
    const s = this.socket;
    return s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : "local socket";
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Uint8Array): void {
    if (this.closing) return;
    const frames: Uint8Array[] = [];
    let malformed: ConsortiaError | undefined;
    try {
      this.decoder.push(chunk, frames);
    } catch (err) {
      malformed = asConsortiaError(err);
    }
    const reqs: Request[] = [];
    for (const f of frames) {
      try {
        reqs.push(Request.decode(f));
      } catch (err) {
        malformed = asConsortiaError(err);
        break;
      }
    }
    if (reqs.length > 0) this.respond(this.handler.handleBatch(reqs));
    if (malformed) this.closeMalformed(malformed);
  }

  private respond(pending: Promise<Response>[]): void {
    const ready = Promise.all(pending);
    this.writeTail = this.writeTail
      .then(async () => {
        const responses = await ready;
        if (this.socket.destroyed) return;
        const bytes = encodeFrames(responses.map((r) => this.encode(r)));
        if (!this.socket.write(bytes)) await drained(this.socket);
      })
      .catch((err: unknown) => {
        this.log({
          level: "error",
          message: `connection #${this.id}: write failed: ${asConsortiaError(err).message}`,
        });
        this.destroy();
      });
  }

  private encode(r: Response): Uint8Array {
    try {
      return encodeResponse(r);
    } catch (err) {
      const message = `response encoding failed: ${asConsortiaError(err).message}`;
      this.log({ level: "error", message: `connection #${this.id}: ${message}` });
      return Response.encode({ exception: { error: message } }).finish();
    }
  }

  /**
   * A frame we cannot parse means the stream is out of step; nothing after it can be trusted, so
   * the connection is closed (as CometBFT's Go server does) once earlier responses are written.
   */
  private closeMalformed(err: ConsortiaError): void {
    this.closing = true;
    this.socket.pause();
    this.log({
      level: "error",
      message:
        `connection #${this.id} (${this.remote}): malformed ABCI frame (${err.code}: ${err.message}); closing the ` +
        "connection. CometBFT exits when an ABCI connection drops: restart CometBFT and this process together.",
      details: { connection: this.id, code: err.code },
    });
    void this.writeTail.finally(() => {
      this.socket.end(() => this.socket.destroy());
    });
  }
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}
