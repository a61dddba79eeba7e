/**
 * IPC messages between the retrieval benchmark and its chain child (bench/retrievalChainNode.ts),
 * validated on receipt by both sides.
 *
 *   parent → child: start, then seed (once the holders hold the records), then stop
 *   child → parent: started (API URL), seeded, or error at any point
 */
import { z } from "zod";

const zHex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const zUrl = z.string().regex(/^https?:\/\/[\x21-\x7e]{1,240}$/);

export const zChainStart = z.strictObject({ type: z.literal("start") });

export const zChainSeed = z.strictObject({
  type: z.literal("seed"),
  /** Gateway base URL of each holder server, by holder index: what each institution publishes. */
  holders: z.array(zUrl).min(1).max(256),
  records: z
    .array(
      z.strictObject({
        recordId: zHex(32),
        cid: z.string().regex(/^[A-Za-z0-9]{1,128}$/),
        holder: z.number().int().min(0).max(255),
        sizeBytes: z.number().int().min(1),
      }),
    )
    .min(1)
    .max(10_000),
});
export type ChainSeed = z.output<typeof zChainSeed>;

export const zChainStop = z.strictObject({ type: z.literal("stop") });

export const zToChain = z.discriminatedUnion("type", [zChainStart, zChainSeed, zChainStop]);

export const zChainStarted = z.strictObject({
  type: z.literal("started"),
  /** Base URL of the validator's public API (GET /query/…). */
  api: zUrl,
  chainId: z.string().max(64),
  startupMs: z.number(),
});

export const zChainSeeded = z.strictObject({
  type: z.literal("seeded"),
  /** Address (hex) of the institution registered for each holder index. */
  institutions: z.array(zHex(20)).max(256),
  patient: zHex(20),
  /** Height of the block that indexed the records. */
  height: z.string().regex(/^[0-9]{1,20}$/),
  ms: z.number(),
});

export const zChainFailed = z.strictObject({ type: z.literal("error"), message: z.string().max(4096) });

export const zFromChain = z.discriminatedUnion("type", [zChainStarted, zChainSeeded, zChainFailed]);
export type FromChain = z.output<typeof zFromChain>;
