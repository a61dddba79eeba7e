import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import { isConsortiaError } from "../../src/errors.js";
import { verifyReceipt } from "../../src/ledger/receipt.js";
import { buildReceipt } from "../../src/node/receipts.js";
import { buildRegister, buildTransfer } from "../../src/sdk/tx.js";
import { openTestChain, type TestChain, testKey } from "../helpers/chain.js";

describe("buildReceipt from the block store", () => {
  let chain: TestChain;
  const hashes: string[] = [];
  let blockHash: Uint8Array = new Uint8Array(0);

  before(async () => {
    chain = await openTestChain({ seed: "receipts" });
    const chainId = chain.material.chainId;
    const v = chain.material.validators[0]!;
    const keys = [testKey("r-a"), testKey("r-b"), testKey("r-c")];
    const txs = keys.map((k, i) =>
      buildRegister(
        k.secretKey,
        { chainId, nonce: 0n, fee: 0n },
        chain.certFor(k, "patient", BigInt(200 + i)),
      ),
    );
    for (const tx of txs) assert.equal((await chain.engine.submit(tx)).code, 0);
    chain.clock.advance(1000);
    await chain.engine.produceBlock();
    // Five transactions in one block: an unbalanced Merkle tree (split 4 + 1).
    const more = [
      buildTransfer(
        v.keys.secretKey,
        { chainId, nonce: 0n, fee: 1n },
        addressFromPublicKey(keys[0]!.publicKey),
        1n,
      ),
      buildTransfer(
        v.keys.secretKey,
        { chainId, nonce: 1n, fee: 1n },
        addressFromPublicKey(keys[1]!.publicKey),
        2n,
      ),
      buildTransfer(
        v.keys.secretKey,
        { chainId, nonce: 2n, fee: 1n },
        addressFromPublicKey(keys[2]!.publicKey),
        3n,
      ),
      buildTransfer(keys[0]!.secretKey, { chainId, nonce: 1n, fee: 0n }, v.address, 10n ** 15n),
      buildTransfer(
        v.keys.secretKey,
        { chainId, nonce: 3n, fee: 1n },
        addressFromPublicKey(keys[2]!.publicKey),
        4n,
      ),
    ];
    for (const tx of more) {
      const r = await chain.engine.submit(tx);
      // The overdraft is refused by CheckTx; everything else is admitted.
      if (r.code === 0) hashes.push(toHex(sha256(tx)));
    }
    chain.clock.advance(1000);
    const ev = await chain.engine.produceBlock();
    assert.equal(ev?.txHashes.length, 4);
    blockHash = ev!.hash;
  });
  after(async () => {
    await chain.close();
  });

  test("every transaction's receipt verifies against the block hash", async () => {
    for (const [i, h] of hashes.entries()) {
      const receipt = await buildReceipt(chain.store, chain.material.chainId, h.toUpperCase());
      assert.equal(receipt.txIndex, i);
      assert.equal(receipt.proof.total, 4);
      assert.equal(receipt.result.code, 0);
      const v = verifyReceipt(receipt, { chainId: chain.material.chainId, trustedHeaderHash: blockHash });
      assert.equal(v.txHash, h.toUpperCase());
      assert.equal(v.height, 2n);
    }
  });

  test("a receipt with a swapped proof index or a tampered tx fails verification", async () => {
    const receipt = await buildReceipt(chain.store, chain.material.chainId, hashes[1]!);
    assert.throws(
      () => verifyReceipt({ ...receipt, txIndex: 2, proof: { ...receipt.proof, index: 2 } }),
      (e) => isConsortiaError(e, "RECEIPT_PROOF_INVALID"),
    );
    const other = await buildReceipt(chain.store, chain.material.chainId, hashes[2]!);
    assert.throws(
      () => verifyReceipt({ ...receipt, tx: other.tx, txHash: other.txHash }),
      (e) => isConsortiaError(e, "RECEIPT_PROOF_INVALID"),
    );
  });

  test("unknown hash, malformed hash and wrong chain are typed errors", async () => {
    await assert.rejects(buildReceipt(chain.store, chain.material.chainId, "ab".repeat(32)), (e) =>
      isConsortiaError(e, "TX_NOT_FOUND"),
    );
    await assert.rejects(buildReceipt(chain.store, chain.material.chainId, "xyz"), (e) =>
      isConsortiaError(e, "API_BAD_REQUEST"),
    );
    await assert.rejects(buildReceipt(chain.store, "other-chain", hashes[0]!), (e) =>
      isConsortiaError(e, "RECEIPT_UNAVAILABLE"),
    );
  });

  test("a block stored without a header gives RECEIPT_UNAVAILABLE", async () => {
    const source = {
      getTxLocation: chain.store.getTxLocation.bind(chain.store),
      getBlock: async (h: bigint) => {
        const b = await chain.store.getBlock(h);
        return b ? { ...b, header: new Uint8Array(0) } : undefined;
      },
    };
    await assert.rejects(buildReceipt(source, chain.material.chainId, hashes[0]!), (e) =>
      isConsortiaError(e, "RECEIPT_UNAVAILABLE"),
    );
  });
});
