/**
 * What the retrieval benchmark's processes share: the record contents (derived from a seed, so
 * the 1 MiB records never cross the IPC channel and the client can check what it got against
 * bytes it computed itself) and the IPC messages, validated on receipt.
 */
import { createCipheriv, createHash } from "node:crypto";
import { z } from "zod";

/** Record `index` of a run: the AES-256-CTR keystream under sha256(seed), i.e. random-looking bytes. */
export function recordBytes(seed: string, index: number, size: number): Uint8Array {
  const key = createHash("sha256").update(seed).digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index, 0);
  const c = createCipheriv("aes-256-ctr", key, iv);
  return new Uint8Array(c.update(Buffer.alloc(size)));
}

export const zServersInit = z.strictObject({
  type: z.literal("init"),
  role: z.enum(["holders", "central"]),
  seed: z.string().min(1).max(128),
  records: z.number().int().min(1).max(10_000),
  sizeBytes: z
    .number()
    .int()
    .min(1)
    .max(256 * 1024 * 1024),
  holders: z.number().int().min(1).max(256),
  dhtNodes: z.number().int().min(1).max(1024),
  k: z.number().int().min(1).max(64),
  alpha: z.number().int().min(1).max(64),
});
export type ServersInit = z.output<typeof zServersInit>;

export const zServersStop = z.strictObject({ type: z.literal("stop") });

export const zServersReady = z.strictObject({
  type: z.literal("ready"),
  /** Per record index: its CID and the index of the server holding it. */
  records: z.array(z.strictObject({ cid: z.string().max(128), holder: z.number().int().min(0) })).max(10_000),
  /** Gateway base URLs, by holder index (the central role has one). */
  gateways: z.array(z.string().max(256)).max(256),
  /** DHT RPC base URLs of every DHT node (empty for the central role). */
  dht: z.array(z.string().max(256)).max(1024),
  /** Time the child spent importing and announcing, for the log. */
  seedMs: z.number(),
});
export type ServersReady = z.output<typeof zServersReady>;

export const zServersFailed = z.strictObject({ type: z.literal("error"), message: z.string().max(4096) });

export const zFromServers = z.discriminatedUnion("type", [zServersReady, zServersFailed]);
export const zToServers = z.discriminatedUnion("type", [zServersInit, zServersStop]);
