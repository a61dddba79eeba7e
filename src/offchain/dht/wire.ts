/**
 * The RPC bodies as zod schemas, for both directions: requests are validated by the serving node,
 * responses by the asking node (a peer's answer is as untrusted as a request). Every list and
 * string has a bound, so no message can make a node allocate more than a few kilobytes.
 */
import { z } from "zod";
import { fromHex, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { DhtErrors } from "./errors.js";
import { type Contact, canonicalUrl, MAX_URL_LENGTH, type NodeId, nodeIdFromUrl } from "./id.js";
import type { Provider } from "./providers.js";

/** Contacts in one answer: k ≤ MAX_K. */
export const MAX_K = 64;
/** Providers returned for one key. */
export const MAX_PROVIDERS = 20;
/** Request bodies are small JSON; this leaves room for the largest (ADD_PROVIDER) many times over. */
export const MAX_REQUEST_BYTES = 8 * 1024;
/** The largest answer: MAX_K contacts + MAX_PROVIDERS providers of MAX_URL_LENGTH each, with slack. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

const zIdHex = z.string().regex(/^[0-9a-f]{64}$/, "must be 32 bytes of lowercase hex");
const zUrl = z.string().min(1).max(MAX_URL_LENGTH);
export const zContact = z.strictObject({ id: zIdHex, url: zUrl });
const zProvider = z.strictObject({ url: zUrl });

export const zPingRequest = z.strictObject({ from: zContact.optional() });
export const zFindNodeRequest = z.strictObject({ from: zContact.optional(), target: zIdHex });
export const zGetProvidersRequest = z.strictObject({ from: zContact.optional(), key: zIdHex });
export const zAddProviderRequest = z.strictObject({
  from: zContact.optional(),
  key: zIdHex,
  provider: zProvider,
});

export const zPingResponse = zContact;
export const zFindNodeResponse = z.strictObject({ closer: z.array(zContact).max(MAX_K) });
export const zGetProvidersResponse = z.strictObject({
  providers: z.array(zProvider).max(MAX_PROVIDERS),
  closer: z.array(zContact).max(MAX_K),
});
export const zAddProviderResponse = z.strictObject({ stored: z.boolean() });

export type WireContact = z.output<typeof zContact>;

/** Parses `value` or throws `code` naming the first offending fields. */
export function parseWire<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: typeof DhtErrors.DHT_BAD_REQUEST | typeof DhtErrors.DHT_BAD_RESPONSE,
  where: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 10).map((i) => ({
    path: [where, ...i.path.map((p) => String(p))].join("."),
    message: i.message,
  }));
  const first = issues[0];
  throw new ConsortiaError(code, `${first?.path ?? where}: ${first?.message ?? "invalid"}`, { issues });
}

/**
 * A contact as received: the URL must be canonical and the id must be sha256 of it, so a peer
 * cannot place itself at a chosen point of the id space while keeping its address.
 */
export function contactFromWire(c: WireContact): Contact {
  const url = canonicalUrl(c.url, "contact.url");
  if (url !== c.url || toHex(nodeIdFromUrl(url)) !== c.id) {
    throw new ConsortiaError(DhtErrors.DHT_BAD_CONTACT, "contact id must be sha256 of its canonical url", {
      url: c.url.slice(0, 80),
    });
  }
  return { id: fromHex(c.id, { bytes: 32, field: "contact.id" }), url };
}

export function contactToWire(c: Contact): WireContact {
  return { id: toHex(c.id), url: c.url };
}

export function idFromWire(hex: string): NodeId {
  return fromHex(hex, { bytes: 32, field: "id" });
}

export function providerFromWire(p: { url: string }): Provider {
  return { url: canonicalUrl(p.url, "provider.url") };
}
