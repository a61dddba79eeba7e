import type { KvReader, KvStore } from "../../app/state.js";
import { encodeUvarintBig, Reader } from "../../codec/binary.js";
import { amount, decode, encode, MAX_AMOUNT, struct } from "../../codec/schema.js";
import { toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { CoinErrors } from "./errors.js";

/** State keys owned by the coin module (listed in src/storage/keys.ts). */
export const BALANCE_PREFIX = "coin/b/";
export const SUPPLY_KEY = "coin/supply";
export const DENOM_KEY = "coin/denom";

export interface Supply {
  genesis: bigint;
  minted: bigint;
  burned: bigint;
}

const supplyCodec = struct({ genesis: amount, minted: amount, burned: amount });

export function balanceKey(address: Uint8Array): string {
  return BALANCE_PREFIX + toHex(address);
}

export function getBalance(state: KvReader, address: Uint8Array): bigint {
  const v = state.get(balanceKey(address));
  return v === undefined ? 0n : new Reader(v).ubigvarint(MAX_AMOUNT);
}

function setBalance(state: KvStore, address: Uint8Array, value: bigint): void {
  if (value === 0n) {
    state.delete(balanceKey(address));
    return;
  }
  state.set(balanceKey(address), encodeUvarintBig(value));
}

export function getSupply(state: KvReader): Supply {
  const v = state.get(SUPPLY_KEY);
  return v === undefined ? { genesis: 0n, minted: 0n, burned: 0n } : decode(supplyCodec, v);
}

export function setSupply(state: KvStore, s: Supply): void {
  state.set(SUPPLY_KEY, encode(supplyCodec, s));
}

/** Total in circulation = genesis + minted − burned (the invariant tests check against balances). */
export function circulatingSupply(s: Supply): bigint {
  return s.genesis + s.minted - s.burned;
}

export function credit(state: KvStore, address: Uint8Array, value: bigint): void {
  const next = getBalance(state, address) + value;
  if (next > MAX_AMOUNT) throw new ConsortiaError(CoinErrors.COIN_OVERFLOW, "balance would exceed 2^128 − 1");
  setBalance(state, address, next);
}

export function debit(state: KvStore, address: Uint8Array, value: bigint): void {
  const bal = getBalance(state, address);
  if (bal < value) {
    throw new ConsortiaError(CoinErrors.COIN_INSUFFICIENT_FUNDS, `balance ${bal} < ${value}`, {
      balance: bal.toString(),
      needed: value.toString(),
    });
  }
  setBalance(state, address, bal - value);
}

/** Moves value between accounts; other modules (markets, deposits, loans) call this. */
export function transfer(state: KvStore, from: Uint8Array, to: Uint8Array, value: bigint): void {
  debit(state, from, value);
  credit(state, to, value);
}

export function mint(state: KvStore, to: Uint8Array, value: bigint): void {
  credit(state, to, value);
  const s = getSupply(state);
  setSupply(state, { ...s, minted: s.minted + value });
}

export function burn(state: KvStore, from: Uint8Array, value: bigint): void {
  debit(state, from, value);
  const s = getSupply(state);
  setSupply(state, { ...s, burned: s.burned + value });
}
