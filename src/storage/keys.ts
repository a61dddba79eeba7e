/**
 * Every key prefix in a node's database, in one place (one LevelDB per node, utf8 keys).
 *
 * | prefix               | value                                   | owner            |
 * |----------------------|-----------------------------------------|------------------|
 * | `m/last`             | last committed {height, appHash, timeMs} | storage          |
 * | `b/<height:020d>`    | StoredBlock (codec/block.ts)            | storage          |
 * | `h/<blockHashHex>`   | height (u64 LEB128)                     | storage          |
 * | `t/<txHashHex>`      | height ‖ index (LEB128)                 | storage          |
 * | `s/<stateKey>`       | module state, see below                 | modules via app  |
 *
 * State keys (after `s/`), each owned by exactly one module:
 *
 * | state key                         | value                            | owner    |
 * |-----------------------------------|----------------------------------|----------|
 * | `app/params`                      | AppParams JSON                   | app      |
 * | `auth/n/<addressHex>`             | next nonce (LEB128)              | app      |
 * | `coin/b/<addressHex>`             | balance (LEB128; absent = 0)     | coin     |
 * | `coin/supply`                     | {genesis, minted, burned}        | coin     |
 * | `coin/denom`                      | {denom, decimals} JSON           | coin     |
 * | `coin/reward`                     | block reward, decimal string     | coin     |
 * | `identity/a/<addressHex>`         | IdentityRecord                   | identity |
 * | `identity/ca/<publicKeyHex>`      | CA name (utf8)                   | identity |
 * | `identity/s/<caKeyHex>/<serial>`  | address that used the serial     | identity |
 * | `staking/params`                  | StakingParams (codec)            | staking  |
 * | `staking/vals`                    | every validator's consensus addr | staking  |
 * | `staking/active`                  | set CometBFT runs: addr,key,power | staking  |
 * | `staking/v/<consAddrHex>`         | ValidatorRecord                  | staking  |
 * | `staking/o/<operatorHex>`         | consensus address it operates    | staking  |
 * | `staking/d/<consHex>/<delegHex>`  | delegation amount (LEB128)       | staking  |
 * | `staking/dv/<consAddrHex>`        | delegator addresses of the validator | staking |
 * | `staking/dd/<delegatorHex>`       | validators it has bonds/unbonding with | staking |
 * | `staking/ub/<consAddrHex>`        | unbonding entries of the validator | staking |
 * | `staking/uq/<height:020d>`        | validators with entries maturing then | staking |
 * | `staking/sl/<consHex>/<h:020d>`   | 0x01: evidence at height h applied | staking  |
 * | `records/params`                  | RecordsParams (codec)            | records  |
 * | `records/r/<idHex>`               | RecordEntry (id = sha256 of the envelope) | records |
 * | `records/p/<patientHex>/<n:010d>` | n-th {height, id} of the patient, (height, id) order | records |
 * | `records/pn/<patientHex>`         | entries in the patient index (LEB128) | records |
 * | `records/h/<holderHex>/<n:010d>`  | n-th {height, id} of the holder, (height, id) order | records |
 * | `records/hn/<holderHex>`          | entries in the holder index (LEB128) | records |
 * | `access/params`                   | AccessParams (codec)             | access   |
 * | `access/a/<instHex>/<userHex>`    | Affiliation {role, active, heights} | access |
 * | `access/ui/<userHex>`             | institutions the user is active at | access |
 * | `access/u/<addressHex>`           | {penalties, suspended, suspendedHeight} | access |
 * | `access/pl/<addressHex>/<n:010d>` | n-th penalty {action, height}    | access   |
 * | `access/pr/<addressHex>`          | Profile {encryptionKey, endpoint, height} | access |
 * | `access/c/<consentIdHex>`         | Consent (id = granting tx hash)  | access   |
 * | `access/cp/<patientHex>/<n:010d>` | n-th consent id the patient granted | access |
 * | `access/cpn/<patientHex>`         | consents the patient granted (LEB128) | access |
 * | `access/cl/<patientHex>`          | ids of the patient's live consents | access |
 * | `access/l/<patientHex>/<seq:010d>` | access log entry seq (from 1)   | access   |
 * | `access/ln/<patientHex>`          | last access log seq (LEB128)     | access   |
 * | `access/n/<reqKeyHex>/<nonceHex>` | 0x01: retrieval nonce used       | access   |
 * | `access/nb/<bucket:020d>/<i:010d>` | requester key ‖ nonce to prune  | access   |
 * | `access/nbn/<bucket:020d>`        | entries in the nonce bucket (LEB128) | access |
 * | `access/nq`                       | open nonce buckets, ascending    | access   |
 *
 * State keys are ASCII, so the app hash's key order (UTF-16 code units) equals byte order.
 * Heights are zero-padded decimal so LevelDB's byte order is height order.
 */
export const LAST_COMMIT_KEY = "m/last";
export const BLOCK_PREFIX = "b/";
export const BLOCK_HASH_PREFIX = "h/";
export const TX_PREFIX = "t/";
export const STATE_PREFIX = "s/";

export function blockKey(height: bigint): string {
  return BLOCK_PREFIX + height.toString().padStart(20, "0");
}
