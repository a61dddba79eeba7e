/**
 * Error codes of src/offchain (numeric range 1300–1329; 1330–1349 are the ENVELOPE_ codes of
 * src/crypto/hpke.ts and envelope.ts). Stable: they are ABCI result codes once released.
 */
import { registerErrorCodes } from "../errors.js";

export const OffchainErrors = registerErrorCodes({
  /** A CID string/bytes does not parse, or is too long. */
  OFFCHAIN_BAD_CID: { num: 1300, http: 400 },
  /** The CID's multihash is not sha2-256 (or identity), so the block cannot be verified. */
  OFFCHAIN_UNSUPPORTED_HASH: { num: 1301, http: 400 },
  /** The block's codec is neither raw (0x55) nor dag-pb (0x70), so its links cannot be walked. */
  OFFCHAIN_UNSUPPORTED_CODEC: { num: 1302, http: 400 },
  /** A block's bytes do not hash to its CID: tampered on disk, or sent wrong by a holder. */
  OFFCHAIN_HASH_MISMATCH: { num: 1303, http: 500 },
  /** The block (or the root of the requested DAG) is not in this store. */
  OFFCHAIN_BLOCK_NOT_FOUND: { num: 1304, http: 404 },
  /** Content, block or response larger than the configured limit. */
  OFFCHAIN_TOO_LARGE: { num: 1305, http: 413 },
  /** Storing the block would exceed the blockstore's quota. */
  OFFCHAIN_QUOTA_EXCEEDED: { num: 1306, http: 507 },
  /** The DAG is not a UnixFS file or raw block (e.g. a directory), so it has no byte content. */
  OFFCHAIN_NOT_A_FILE: { num: 1307, http: 422 },
  /** A dag-pb / UnixFS node does not decode, or the DAG is inconsistent. */
  OFFCHAIN_MALFORMED_DAG: { num: 1308, http: 422 },
  /** The gateway cannot answer with any media type the client accepts. */
  OFFCHAIN_NOT_ACCEPTABLE: { num: 1309, http: 406 },
  /** A gateway request parameter is missing, malformed or unsupported. */
  OFFCHAIN_BAD_REQUEST: { num: 1310, http: 400 },
  /** A holder answered with an unexpected status or content type, or could not be reached. */
  OFFCHAIN_REMOTE_ERROR: { num: 1311, http: 502 },
  /** A holder's CAR stream does not parse. */
  OFFCHAIN_MALFORMED_CAR: { num: 1312, http: 502 },
  /** A holder's response ended without every block of the DAG (truncated or incomplete). */
  OFFCHAIN_INCOMPLETE_DAG: { num: 1313, http: 502 },
  /** The blockstore was closed (or never opened). */
  OFFCHAIN_CLOSED: { num: 1314, http: 503 },
  /** A LevelDB read/write failed, or the directory is not a Consortia blockstore. */
  OFFCHAIN_IO: { num: 1315, http: 500 },
  /** An option or argument is invalid (details.field names it). */
  OFFCHAIN_BAD_ARGUMENT: { num: 1316, http: 400 },
  /** A holder did not answer within the timeout. */
  OFFCHAIN_TIMEOUT: { num: 1317, http: 504 },
  /** The gateway's authorize hook refused the request. */
  OFFCHAIN_FORBIDDEN: { num: 1318, http: 403 },
  /** `Cache-Control: only-if-cached` and the root block is not held here. */
  OFFCHAIN_NOT_CACHED: { num: 1319, http: 412 },
});
