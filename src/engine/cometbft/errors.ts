/**
 * Error codes of the CometBFT integration (numeric range 1650–1699). Codes ending in _PARAM are
 * configuration/usage errors (the CLI exits with status 2 for them).
 */
import { registerErrorCodes } from "../../errors.js";

export const CometErrors = registerErrorCodes({
  /** No usable cometbft binary: neither <package>/.bin/cometbft nor one on PATH. */
  COMET_BINARY_NOT_FOUND: { num: 1650, http: 500 },
  /** The cometbft binary found reports another version than the pinned one (details: {path, found, expected}). */
  COMET_BINARY_VERSION: { num: 1651, http: 500 },
  /** The process exited before its RPC answered (details: {home, code, signal, log}). */
  COMET_START_FAILED: { num: 1652, http: 503 },
  /** The RPC did not answer within the start timeout (details: {home, timeoutMs, log}). */
  COMET_START_TIMEOUT: { num: 1653, http: 503 },
  /** The process exited while the node was running (details: {home, code, signal, log}). */
  COMET_EXITED: { num: 1654, http: 503 },
  /** The RPC endpoint cannot be reached (connection refused/reset). */
  COMET_RPC_UNAVAILABLE: { num: 1655, http: 503 },
  /** The RPC answered with a JSON-RPC error (details: {method, rpcCode, data}). */
  COMET_RPC_ERROR: { num: 1656, http: 502 },
  /** The RPC answered something that is not the documented shape (details: {method, issue}). */
  COMET_RPC_BAD_RESPONSE: { num: 1657, http: 502 },
  /** The RPC did not answer within the request timeout. */
  COMET_RPC_TIMEOUT: { num: 1658, http: 504 },
  /** CometBFT's mempool refused a transaction as larger than mempool.max_tx_bytes. */
  COMET_TX_TOO_LARGE: { num: 1659, http: 413 },
  /** CometBFT's mempool refused a transaction for a reason it does not code (details: {reason}). */
  COMET_MEMPOOL_REJECTED: { num: 1660, http: 503 },
  /** A cometbft option is out of range (details: {field}). */
  COMET_CONFIG_PARAM: { num: 1661, http: 400 },
  /** The node home lacks what CometBFT needs (key files, genesis); details: {path}. */
  COMET_HOME_INVALID_PARAM: { num: 1662, http: 400 },
  /** A devnet option is out of range (details: {field}). */
  COMET_DEVNET_PARAM: { num: 1663, http: 400 },
  /** The consortium members file is unreadable or malformed (details: {path, field}). */
  COMET_MEMBERS_PARAM: { num: 1664, http: 400 },
  /** The devnet did not reach height 1 on every node in time (details: {heights, timeoutMs}). */
  COMET_DEVNET_TIMEOUT: { num: 1665, http: 504 },
  /** No block of free ports was found for an automatic port layout (details: {count}). */
  COMET_PORT_IN_USE: { num: 1666, http: 503 },
  /** Startup was cancelled (Ctrl-C) before every node was up; what had started was stopped. */
  COMET_DEVNET_ABORTED: { num: 1667, http: 503 },
});
