/**
 * Error codes of src/offchain/dht, the Kademlia baseline the retrieval benchmark compares against
 * (numeric range 1770–1789). Stable once released, like every registered code.
 */
import { registerErrorCodes } from "../../errors.js";

export const DhtErrors = registerErrorCodes({
  /** An RPC body (or its JSON) does not match the schema; details.issues names the fields. */
  DHT_BAD_REQUEST: { num: 1770, http: 400 },
  /** A contact's id is not sha256 of its URL, or its URL is not an http(s) base URL. */
  DHT_BAD_CONTACT: { num: 1771, http: 400 },
  /** An RPC body or a peer's response is larger than the limit. */
  DHT_TOO_LARGE: { num: 1772, http: 413 },
  /** An option or argument of the local API is invalid (details.field names it). */
  DHT_BAD_ARGUMENT: { num: 1773, http: 400 },
  /** The routing table is empty, so there is nobody to ask: bootstrap first. */
  DHT_NO_PEERS: { num: 1774, http: 503 },
  /** A peer could not be reached or answered with a non-200 status. */
  DHT_RPC_FAILED: { num: 1775, http: 502 },
  /** A peer did not answer within the RPC timeout. */
  DHT_TIMEOUT: { num: 1776, http: 504 },
  /** The lookup ended without finding a provider for the key. */
  DHT_NOT_FOUND: { num: 1777, http: 404 },
  /** The provider store is at its record limit. */
  DHT_STORE_FULL: { num: 1778, http: 507 },
  /** The node was stopped. */
  DHT_STOPPED: { num: 1779, http: 503 },
  /** A peer answered 200 with a body that does not match the schema. */
  DHT_BAD_RESPONSE: { num: 1780, http: 502 },
  /** No bootstrap peer answered. */
  DHT_BOOTSTRAP_FAILED: { num: 1781, http: 503 },
});
