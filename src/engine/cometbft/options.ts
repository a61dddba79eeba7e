/**
 * Options of the CometBFT process a node runs (the `cometbft` block of config.json). config.toml
 * is generated from these at every start (src/engine/cometbft/files.ts), so config.json stays the
 * single source of truth. Defaults are tuned for validators on one machine or one LAN; WAN
 * deployments use `wanTimeouts` (docs/deploy.md explains both).
 */

/**
 * Consensus timeouts (CometBFT `[consensus]`). A round waits `propose` for the proposal, then at
 * most `prevote`/`precommit` for the remaining votes once 2/3 are in; each later round adds the
 * delta, so an undersized timeout costs extra rounds (latency), never safety. `commit` is the pause
 * after a block commits to collect late precommits: it is the floor of the block interval.
 */
export interface CometTimeouts {
  readonly proposeMs: number;
  readonly proposeDeltaMs: number;
  readonly prevoteMs: number;
  readonly prevoteDeltaMs: number;
  readonly precommitMs: number;
  readonly precommitDeltaMs: number;
  readonly commitMs: number;
}

export interface CometMempoolOptions {
  /** Transactions held at most (CometBFT `mempool.size`). */
  readonly size: number;
  /** Hashes remembered to drop re-broadcast duplicates cheaply (`mempool.cache_size`). */
  readonly cacheSize: number;
  /** Bytes held at most (`mempool.max_txs_bytes`). */
  readonly maxTxsBytes: number;
  /** Largest single transaction (`mempool.max_tx_bytes`). */
  readonly maxTxBytes: number;
  /**
   * Re-run CheckTx on what stays in the mempool after each block. Needed: our CheckTx checks
   * nonce and balance against a state that resets at every commit.
   */
  readonly recheck: boolean;
}

export interface CometbftOptions {
  /** RPC port, always on 127.0.0.1: only this node's own application talks to it. */
  readonly rpcPort: number;
  /**
   * Requests per JSON-RPC batch (CometBFT `rpc.max_request_batch_size`, default 10). The engine
   * submits transactions in batches of this size (docs/consensus.md "Submission path").
   */
  readonly rpcMaxBatch: number;
  /**
   * Largest RPC request body (`rpc.max_body_bytes`, CometBFT default 1 MB, which a single
   * base64-encoded transaction near max_tx_bytes would already exceed).
   */
  readonly rpcMaxBodyBytes: number;
  /** Address the peer-to-peer listener binds: 127.0.0.1 for one machine, 0.0.0.0 across institutions. */
  readonly p2pHost: string;
  readonly p2pPort: number;
  /** host:port other validators dial (behind NAT); "" = the listen address. */
  readonly externalAddress: string;
  /** Where our ABCI server listens and CometBFT connects: tcp://127.0.0.1:PORT or unix:///path. */
  readonly abciAddress: string;
  /** Other validators, as id@host:port (id = hex(sha256(node public key)[0..20])). */
  readonly persistentPeers: readonly string[];
  /** Peer exchange. Off: a consortium's membership is fixed and listed in persistentPeers. */
  readonly pex: boolean;
  /** Refuse non-routable peer addresses. Off so 127.0.0.1 and LAN addresses work. */
  readonly addrBookStrict: boolean;
  /** Accept several peers from one IP (all devnet validators share 127.0.0.1). */
  readonly allowDuplicateIp: boolean;
  readonly timeouts: CometTimeouts;
  /**
   * How long a peer's gossip routines sleep when they have nothing to send (CometBFT
   * `peer_gossip_sleep_duration`, default 100 ms). Longer = fewer wake-ups per peer, slower votes.
   */
  readonly gossipSleepMs: number;
  /**
   * How long a peer connection buffers outgoing messages before flushing (CometBFT
   * `p2p.flush_throttle_timeout`, default 100 ms). Each consensus step (proposal, prevotes,
   * precommits) crosses it once, so on a LAN the default adds ~300 ms per block.
   */
  readonly flushThrottleMs: number;
  /**
   * Start the next height as soon as precommits from every validator are in, instead of waiting
   * out `timeouts.commitMs` (CometBFT `skip_timeout_commit`). With everyone answering within
   * milliseconds (one machine, one LAN) the commit pause only adds latency; across the Internet
   * the pause lets slow validators' precommits into the block's commit, so it stays off there.
   */
  readonly skipTimeoutCommit: boolean;
  /**
   * Produce blocks without transactions. Off: an idle consortium writes almost nothing. CometBFT
   * still makes one block after any block that changed the app hash ("proof block").
   */
  readonly createEmptyBlocks: boolean;
  /**
   * With createEmptyBlocks off: still make an empty block after this long without transactions
   * (0 = never). Block time is the chain's clock (CheckTx judges certificate validity against the
   * last block's time), so an idle chain's clock should not fall far behind.
   */
  readonly createEmptyBlocksIntervalMs: number;
  readonly mempool: CometMempoolOptions;
  /** CometBFT's own tx index: "kv" serves the `tx` RPC; "null" saves disk (we index blocks ourselves). */
  readonly txIndex: "kv" | "null";
  /** CometBFT log level, e.g. "info" or "consensus:info,*:error". */
  readonly logLevel: string;
  /** How long `start` waits for the RPC to answer (handshake and replay included). */
  readonly startTimeoutMs: number;
  /** SIGTERM, then SIGKILL after this long. */
  readonly stopTimeoutMs: number;
  /**
   * GOMAXPROCS for the cometbft process; 0 = Go's default (all cores). 1 saves scheduler work when
   * many validators share a machine (devnet).
   */
  readonly goMaxProcs: number;
  /** Path of the cometbft binary; "" = <package>/.bin/cometbft, else `cometbft` on PATH. */
  readonly binary: string;
}

/** One machine or one LAN: round trips well under 10 ms. */
export const localTimeouts: CometTimeouts = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 500,
  prevoteDeltaMs: 500,
  precommitMs: 500,
  precommitDeltaMs: 500,
  commitMs: 300,
};

/** Validators at different institutions over the Internet: CometBFT's own defaults. */
export const wanTimeouts: CometTimeouts = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
};

export const defaultCometbftOptions: CometbftOptions = {
  rpcPort: 26_657,
  rpcMaxBatch: 500,
  rpcMaxBodyBytes: 16 * 1024 * 1024,
  p2pHost: "127.0.0.1",
  p2pPort: 26_656,
  externalAddress: "",
  abciAddress: "tcp://127.0.0.1:26658",
  persistentPeers: [],
  pex: false,
  addrBookStrict: false,
  allowDuplicateIp: true,
  timeouts: localTimeouts,
  gossipSleepMs: 100,
  flushThrottleMs: 10,
  skipTimeoutCommit: false,
  createEmptyBlocks: false,
  createEmptyBlocksIntervalMs: 30_000,
  mempool: {
    size: 5000,
    cacheSize: 10_000,
    // CometBFT's default is 1 GiB; 64 MiB bounds a node's memory and still holds ~100k transfers.
    maxTxsBytes: 64 * 1024 * 1024,
    maxTxBytes: 1024 * 1024,
    recheck: true,
  },
  txIndex: "kv",
  logLevel: "info",
  startTimeoutMs: 60_000,
  stopTimeoutMs: 10_000,
  goMaxProcs: 0,
  binary: "",
};
