import { z } from "zod";
import { AppErrors } from "../../app/errors.js";
import type { KvReader } from "../../app/state.js";
import { defineMessage, type FeeCharger, type Module } from "../../app/types.js";
import { zAddress, zAmount } from "../../app/zod.js";
import { amount, fixedBytes, struct } from "../../codec/schema.js";
import { bytesEqual, fromHex, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { requireActiveIdentity } from "../identity/state.js";
import { CoinErrors } from "./errors.js";
import {
  burn,
  circulatingSupply,
  credit,
  DENOM_KEY,
  getBalance,
  getSupply,
  mint,
  setSupply,
  transfer,
} from "./state.js";

const genesisSchema = z.object({
  /** Token symbol: MED on health networks, NRG on energy networks. */
  denom: z.string().regex(/^[A-Z][A-Z0-9]{1,11}$/),
  decimals: z.number().int().min(0).max(18).default(6),
  /** Minted to the proposer of every block (Healthchain's leader reward). */
  blockReward: zAmount.default(0n),
  allocations: z.array(z.object({ address: zAddress, amount: zAmount })).default([]),
});
export type CoinGenesis = z.output<typeof genesisSchema>;

const transferMsg = struct({ to: fixedBytes(20), amount });

const ZERO20 = new Uint8Array(20);

/** The coin module's genesis reward parameter, read once per block. */
const REWARD_KEY = "coin/reward";

export interface CoinModuleOptions {
  /**
   * Who receives the block reward for a proposer's consensus address. Default: that address
   * itself. The staking module supplies the validator's operator account (wired in src/node).
   */
  readonly rewardRecipient?: (state: KvReader, proposer: Uint8Array) => Uint8Array;
}

export function createCoinModule(opts: CoinModuleOptions = {}): Module<CoinGenesis> {
  const recipientOf = opts.rewardRecipient ?? ((_s: KvReader, p: Uint8Array) => p);
  return {
    name: "coin",
    genesisSchema,
    initGenesis(state, g) {
      let total = 0n;
      for (const a of g.allocations) {
        credit(state, a.address, a.amount);
        total += a.amount;
      }
      setSupply(state, { genesis: total, minted: 0n, burned: 0n });
      state.set(DENOM_KEY, Buffer.from(JSON.stringify({ denom: g.denom, decimals: g.decimals })));
      state.set(REWARD_KEY, Buffer.from(g.blockReward.toString()));
    },
    beginBlock(ctx) {
      const reward = BigInt(Buffer.from(ctx.state.get(REWARD_KEY) ?? Buffer.from("0")).toString());
      // The leader is rewarded for blocks that carry transactions: paying for empty blocks would
      // change state every block, and CometBFT would then never stop making blocks on an idle chain.
      if (reward === 0n || ctx.txCount === 0 || bytesEqual(ctx.block.proposer, ZERO20)) return;
      const to = recipientOf(ctx.state, ctx.block.proposer);
      mint(ctx.state, to, reward);
      ctx.emit("coin.reward", {
        proposer: toHex(ctx.block.proposer),
        to: toHex(to),
        amount: reward.toString(),
      });
    },
    messages: [
      defineMessage({
        type: "coin/transfer",
        codec: transferMsg,
        baseWork: 1_000,
        validate(msg) {
          if (msg.amount === 0n) throw new ConsortiaError(CoinErrors.COIN_ZERO_AMOUNT, "amount must be > 0");
        },
        execute(ctx, msg) {
          if (bytesEqual(ctx.sender, msg.to)) {
            throw new ConsortiaError(CoinErrors.COIN_SELF_TRANSFER, "sender and recipient are the same");
          }
          // Permissioned network: value only moves between registered, active identities.
          requireActiveIdentity(ctx.state, msg.to, ctx.block.timeMs);
          transfer(ctx.state, ctx.sender, msg.to, msg.amount);
          ctx.emit("coin.transfer", {
            from: ctx.senderHex,
            to: toHex(msg.to),
            amount: msg.amount.toString(),
          });
        },
      }),
    ],
    query(path, _params, ctx) {
      const [what, arg] = path;
      if (what === "balance" && arg !== undefined) {
        if (!/^[0-9a-f]{40}$/.test(arg))
          throw new ConsortiaError(AppErrors.QUERY_BAD_PARAMS, `bad address ${arg}`);
        return { address: arg, balance: getBalance(ctx.state, fromHex(arg)) };
      }
      if (what === "supply") {
        const s = getSupply(ctx.state);
        return { ...s, circulating: circulatingSupply(s) };
      }
      if (what === "denom") {
        const v = ctx.state.get(DENOM_KEY);
        return v ? (JSON.parse(Buffer.from(v).toString()) as unknown) : null;
      }
      throw new ConsortiaError(AppErrors.QUERY_UNKNOWN_PATH, `unknown coin query ${path.join("/")}`);
    },
  };
}

/** The coin module with default options (reward to the proposer's own address). */
export const coinModule: Module<CoinGenesis> = createCoinModule();

/** Fees are burned: supply = genesis + rewards − burned fees. */
export const coinFees: FeeCharger = {
  chargeFee(state, payer, fee) {
    burn(state, payer, fee);
  },
};
