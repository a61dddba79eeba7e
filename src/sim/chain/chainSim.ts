import { Application } from "../../app/application.js";
import { readNonce } from "../../app/nonce.js";
import { Reader } from "../../codec/binary.js";
import { amount, encode, fixedBytes, MAX_AMOUNT, struct } from "../../codec/schema.js";
import { addressFromPublicKey, type KeyPair, keyPairFromSeed } from "../../crypto/ed25519.js";
import { bytesEqual, sha256, toHex } from "../../crypto/hash.js";
import { formatGenesis, parseGenesis } from "../../engine/genesis.js";
import { BALANCE_PREFIX, circulatingSupply, getSupply } from "../../modules/coin/state.js";
import { certificateCodec } from "../../modules/identity/certificate.js";
import { defaultModules } from "../../node/modules.js";
import { issueCertificate } from "../../node/network.js";
import { buildRegister, buildRevoke, buildTransfer, buildTx } from "../../sdk/tx.js";
import { MemoryStore } from "../../storage/memoryStore.js";
import { createPrng, type Prng } from "../prng.js";

/**
 * Seeded deterministic simulation of the application state machine (no engine, no network):
 * a byzantine proposer feeds random valid and invalid transactions straight into FinalizeBlock
 * on two independent instances; after every block the invariants below are checked. A failure
 * names its seed, and the same seed replays the identical run.
 *
 * Invariants: identical app hashes across instances (and across a simulated restart); Σ balances =
 * genesis + minted − burned; every sender's nonce equals the number of its transactions that passed
 * the ante checks, and those carried nonces 0, 1, 2, … each exactly once; PrepareProposal's output
 * is accepted by ProcessProposal.
 */
export interface ChainSimOptions {
  readonly seed: number;
  readonly blocks: number;
  readonly maxTxsPerBlock: number;
  readonly accounts: number;
}

export const defaultChainSimOptions: Omit<ChainSimOptions, "seed"> = {
  blocks: 12,
  maxTxsPerBlock: 24,
  accounts: 6,
};

export interface ChainSimFailure {
  readonly seed: number;
  readonly height: bigint;
  readonly invariant: string;
  readonly detail: string;
}

export interface ChainSimResult {
  readonly seed: number;
  readonly blocks: number;
  readonly txs: number;
  readonly succeeded: number;
  readonly failedInBlock: number;
  readonly codes: Readonly<Record<string, number>>;
  readonly failure?: ChainSimFailure;
}

const CHAIN_ID = "consortia-sim-1";
const T0 = 1_790_000_000_000;
const transferCodec = struct({ to: fixedBytes(20), amount });

class InvariantError {
  constructor(
    readonly invariant: string,
    readonly detail: string,
  ) {}
}

function check(cond: boolean, invariant: string, detail: () => string): void {
  if (!cond) throw new InvariantError(invariant, detail());
}

interface Instance {
  store: MemoryStore;
  app: Application;
}

export async function runChainSimulation(opts: ChainSimOptions): Promise<ChainSimResult> {
  const rng = createPrng(opts.seed);
  const keyOf = (label: string): KeyPair => keyPairFromSeed(sha256(Buffer.from(`sim/${opts.seed}/${label}`)));
  const ca = keyOf("ca");
  const rogueCa = keyOf("rogue-ca");
  const accounts: KeyPair[] = [];
  for (let i = 0; i < opts.accounts; i++) accounts.push(keyOf(`acct/${i}`));
  const validator = accounts[0]!;
  let serial = 1n;
  const cert = (k: KeyPair, signer: KeyPair = ca) =>
    issueCertificate(signer.secretKey, {
      chainId: CHAIN_ID,
      serial: serial++,
      subjectPublicKey: k.publicKey,
      subject: sha256(k.publicKey),
      role: "patient",
      notBeforeMs: BigInt(T0),
      notAfterMs: BigInt(T0) + 10n ** 12n,
    });
  const genesis = parseGenesis(
    formatGenesis({
      chainId: CHAIN_ID,
      genesisTimeMs: T0,
      validators: [
        {
          name: "v",
          pubKey: validator.publicKey,
          address: addressFromPublicKey(validator.publicKey),
          power: 10n,
        },
      ],
      appState: {
        app: { minFeeBase: "1" },
        identity: {
          cas: [{ name: "ca", publicKey: toHex(ca.publicKey) }],
          certificates: accounts.map((k) => toHex(encode(certificateCodec, cert(k)))),
        },
        coin: {
          denom: "MED",
          blockReward: String(rng.int(0, 1000)),
          allocations: accounts.map((k) => ({
            address: toHex(addressFromPublicKey(k.publicKey)),
            amount: String(rng.int(0, 100_000)),
          })),
        },
      },
    }),
  );
  const makeInstance = (store = new MemoryStore()): Instance => ({
    store,
    app: new Application({ store, ...defaultModules() }, { chainId: CHAIN_ID }),
  });
  const a = makeInstance();
  let b = makeInstance();
  for (const inst of [a, b]) {
    inst.app.initChain({
      chainId: CHAIN_ID,
      timeMs: genesis.genesisTimeMs,
      initialHeight: 1n,
      appStateBytes: genesis.appStateBytes,
      validators: genesis.validators,
    });
  }

  const nextNonce = new Map<string, bigint>(); // generator's optimistic model
  const antePassed = new Map<string, bigint[]>(); // sender → nonces of txs that passed ante, in order
  const history: Uint8Array[] = [];
  const codes: Record<string, number> = {};
  let txCount = 0;
  let succeeded = 0;
  let failedInBlock = 0;
  let height = 0n;
  const fresh: KeyPair[] = [];

  const nonceFor = (k: KeyPair, state: MemoryStore): bigint => {
    const hex = toHex(addressFromPublicKey(k.publicKey));
    const n = nextNonce.get(hex) ?? readNonce(state, addressFromPublicKey(k.publicKey));
    return n;
  };
  const bump = (k: KeyPair) => {
    const hex = toHex(addressFromPublicKey(k.publicKey));
    nextNonce.set(hex, (nextNonce.get(hex) ?? 0n) + 1n);
  };

  const genTx = (r: Prng, store: MemoryStore): Uint8Array => {
    const s = r.pick([...accounts, ...fresh]);
    const to = addressFromPublicKey(r.pick(accounts).publicKey);
    const n = nonceFor(s, store);
    const env = { chainId: CHAIN_ID, nonce: n, fee: BigInt(r.int(0, 3)) };
    const kind = r.weighted([40, 6, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 3, 3, 2]);
    switch (kind) {
      case 0: {
        bump(s);
        return buildTransfer(
          s.secretKey,
          env,
          bytesEqual(to, addressFromPublicKey(s.publicKey))
            ? addressFromPublicKey(accounts[0]!.publicKey)
            : to,
          BigInt(r.int(1, 5000)),
        );
      }
      case 1: // replay of an old transaction
        return history.length > 0 ? r.pick(history) : new Uint8Array(0);
      case 2: {
        const t = buildTransfer(s.secretKey, env, to, 1n);
        const i = r.int(0, t.length - 1);
        t[i]! ^= 1 << r.int(0, 7);
        return t;
      }
      case 3:
        return buildTransfer(s.secretKey, { ...env, chainId: "other-chain" }, to, 1n);
      case 4: {
        const g = new Uint8Array(r.int(0, 200));
        for (let i = 0; i < g.length; i++) g[i] = r.int(0, 255);
        return g;
      }
      case 5: {
        const t = buildTransfer(s.secretKey, env, to, 1n);
        return t.subarray(0, r.int(0, t.length - 1));
      }
      case 6:
        return buildTx(s.secretKey, env, "nope/unknown", transferCodec, { to, amount: 1n });
      case 7: // recipient not registered
        bump(s);
        return buildTransfer(
          s.secretKey,
          env,
          addressFromPublicKey(keyOf(`stranger/${r.int(0, 9)}`).publicKey),
          1n,
        );
      case 8: // future nonce
        return buildTransfer(s.secretKey, { ...env, nonce: n + BigInt(r.int(1, 3)) }, to, 1n);
      case 9: // overdraft (fee may pass, message fails)
        bump(s);
        return buildTransfer(s.secretKey, env, to, MAX_AMOUNT - BigInt(r.int(0, 10)));
      case 10: {
        // a new identity registers (valid CA) or tries with a rogue CA's certificate
        const k = keyOf(`fresh/${fresh.length}/${r.int(0, 1 << 30)}`);
        const good = r.next() < 0.6;
        if (good) fresh.push(k);
        return buildRegister(
          k.secretKey,
          { chainId: CHAIN_ID, nonce: 0n, fee: 0n },
          cert(k, good ? ca : rogueCa),
        );
      }
      case 11: {
        // the CA revokes someone (later transactions of theirs must fail the ante checks)
        const victim = r.pick(accounts.slice(1));
        const caNonce = nonceFor(ca, store);
        bump(ca);
        return buildRevoke(
          ca.secretKey,
          { chainId: CHAIN_ID, nonce: caNonce, fee: 0n },
          addressFromPublicKey(victim.publicKey),
          "sim",
        );
      }
      case 12: // a non-CA tries to revoke
        bump(s);
        return buildRevoke(s.secretKey, env, to, "not a CA");
      case 13: // fee larger than any balance
        return buildTransfer(s.secretKey, { ...env, fee: 10n ** 20n }, to, 1n);
      default: // self transfer
        bump(s);
        return buildTransfer(s.secretKey, env, addressFromPublicKey(s.publicKey), 1n);
    }
  };

  try {
    for (let blk = 0; blk < opts.blocks; blk++) {
      height += 1n;
      nextNonce.clear();
      const n = rng.int(0, opts.maxTxsPerBlock);
      const txs: Uint8Array[] = [];
      for (let i = 0; i < n; i++) txs.push(genTx(rng, a.store));
      // Two instances, two separately allocated copies of each tx: no shared memo between them.
      const req = (copy: boolean) => ({
        txs: copy ? txs.map((t) => t.slice()) : txs,
        height,
        timeMs: BigInt(T0 + blk * 1000 + 1000),
        hash: sha256(Buffer.from(`block/${height}`)),
        proposerAddress: addressFromPublicKey(validator.publicKey),
        misbehavior: [],
      });

      // PrepareProposal on B; its output must pass ProcessProposal on A.
      const prepared = b.app.prepareProposal({
        txs: txs.map((t) => t.slice()),
        maxTxBytes: 1 << 22,
        height,
        timeMs: BigInt(T0 + blk * 1000 + 1000),
        proposerAddress: addressFromPublicKey(validator.publicKey),
      });
      const verdict = a.app.processProposal({ ...req(true), txs: prepared.map((t) => t.slice()) });
      check(
        verdict === "accept",
        "prepare/process agree",
        () => `ProcessProposal rejected PrepareProposal's ${prepared.length} txs`,
      );

      const ra = a.app.finalizeBlock(req(false));
      const rb = b.app.finalizeBlock(req(true));
      await a.app.commit();
      await b.app.commit();
      check(
        bytesEqual(ra.appHash, rb.appHash),
        "identical app hashes",
        () => `${toHex(ra.appHash)} != ${toHex(rb.appHash)}`,
      );
      for (let i = 0; i < txs.length; i++) {
        const res = ra.txResults[i]!;
        const resB = rb.txResults[i]!;
        check(
          res.code === resB.code,
          "identical results",
          () => `tx ${i}: ${res.errorCode} vs ${resB.errorCode}`,
        );
        txCount++;
        codes[res.errorCode || "OK"] = (codes[res.errorCode || "OK"] ?? 0) + 1;
        if (res.code === 0) succeeded++;
        if (res.events.length > 0) {
          // Ante passed (fee event present): record (sender, nonce).
          if (res.code !== 0) failedInBlock++;
          const raw = txs[i]!;
          const pk = raw.subarray(raw.length - 96, raw.length - 64);
          const sender = toHex(addressFromPublicKey(pk));
          const list = antePassed.get(sender) ?? [];
          list.push(readTxNonce(raw));
          antePassed.set(sender, list);
        }
        history.push(txs[i]!);
      }

      // Supply: Σ balances = genesis + minted − burned.
      const supply = getSupply(a.store);
      let sum = 0n;
      for (const k of a.store.keysWithPrefix(BALANCE_PREFIX)) {
        const v = new Reader(a.store.get(k)!).ubigvarint(MAX_AMOUNT);
        check(v > 0n, "no zero or negative balance stored", () => `${k} = ${v}`);
        sum += v;
      }
      check(
        sum === circulatingSupply(supply),
        "supply conserved",
        () => `Σ balances ${sum} != ${circulatingSupply(supply)}`,
      );

      // Nonces: each sender's ante-passed txs carried 0, 1, 2, … exactly once, and state agrees.
      for (const [sender, list] of antePassed) {
        for (let i = 0; i < list.length; i++) {
          check(
            list[i] === BigInt(i),
            "each (sender, nonce) committed once, in order",
            () => `${sender}: ${list.join(",")}`,
          );
        }
        const stateNonce = readNonce(a.store, Buffer.from(sender, "hex"));
        check(
          stateNonce === BigInt(list.length),
          "nonce = ante-passed count",
          () => `${sender}: ${stateNonce} vs ${list.length}`,
        );
      }

      // Fault: restart instance B from its store every few blocks; it must resume identically.
      if (rng.next() < 0.25) {
        b = makeInstance(b.store);
        check(
          b.app.height === height,
          "restart resumes at the last height",
          () => `${b.app.height} != ${height}`,
        );
        check(bytesEqual(b.app.appHash, ra.appHash), "restart keeps the app hash", () =>
          toHex(b.app.appHash),
        );
      }
    }
  } catch (err) {
    if (err instanceof InvariantError) {
      return {
        seed: opts.seed,
        blocks: Number(height),
        txs: txCount,
        succeeded,
        failedInBlock,
        codes,
        failure: { seed: opts.seed, height, invariant: err.invariant, detail: err.detail },
      };
    }
    throw err;
  }
  return { seed: opts.seed, blocks: Number(height), txs: txCount, succeeded, failedInBlock, codes };
}

/** Nonce field of a v1 transaction (after version byte and chain id). */
function readTxNonce(raw: Uint8Array): bigint {
  const r = new Reader(raw);
  r.u8();
  r.string(64);
  return r.ubigvarint((1n << 64n) - 1n);
}
