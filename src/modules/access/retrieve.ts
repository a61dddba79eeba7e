import { type AnyMessageHandler, defineMessage } from "../../app/types.js";
import { addressFromPublicKey } from "../../crypto/address.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { requireRecord } from "../records/state.js";
import { AccessErrors } from "./errors.js";
import { evaluateAccess } from "./evaluate.js";
import { isNonceUsed, recordNonce } from "./nonces.js";
import { getAccessParams } from "./params.js";
import { PENALIZED } from "./policy.js";
import { verifyRetrievalRequest } from "./request.js";
import { addPenalty, appendAccessLog } from "./state.js";
import { retrieveMsg } from "./wire.js";

/**
 * `access/retrieve`: the holder institution puts a requester's signed request on chain before it
 * serves (or refuses) the record — edge-cloud RetrieveEHRs + Penalty, BEdgeHealth eqs. (28)/(31).
 * A request that is not a valid, fresh, first-time request for a record this sender holds fails
 * the transaction; any valid one is evaluated and its outcome logged, granted or denied.
 */
export const retrieveMessages: readonly AnyMessageHandler[] = [
  defineMessage({
    type: "access/retrieve",
    codec: retrieveMsg,
    baseWork: 5_000,
    // Stateless, so it runs once per transaction before the mempool (and again in FinalizeBlock
    // on nodes that did not see it in CheckTx): a forged request never costs a block anything.
    validate(msg) {
      if (!verifyRetrievalRequest(msg.request, msg.signature)) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_BAD_SIGNATURE,
          "request signature does not verify under the requester key",
        );
      }
    },
    execute(ctx, msg) {
      const { state } = ctx;
      const req = msg.request;
      const now = ctx.block.timeMs;
      if (req.chainId !== ctx.block.chainId) {
        throw new ConsortiaError(AccessErrors.ACCESS_WRONG_CHAIN, `request is for chain ${req.chainId}`, {
          expected: ctx.block.chainId,
          got: req.chainId,
        });
      }
      if (!bytesEqual(req.holder, ctx.sender)) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_WRONG_HOLDER,
          `request names holder ${toHex(req.holder)}, sent by ${ctx.senderHex}`,
        );
      }
      const record = requireRecord(state, req.recordId);
      if (!bytesEqual(record.holder, req.holder)) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_WRONG_HOLDER,
          `record ${toHex(req.recordId)} is held by ${toHex(record.holder)}`,
        );
      }
      const p = getAccessParams(state);
      const skew = now > req.timestampMs ? now - req.timestampMs : req.timestampMs - now;
      if (skew > p.requestWindowMs) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_REQUEST_EXPIRED,
          `request time ${req.timestampMs} is ${skew} ms from block time ${now} (window ${p.requestWindowMs})`,
          { skewMs: skew.toString(), windowMs: p.requestWindowMs.toString() },
        );
      }
      if (isNonceUsed(state, req.requester, req.nonce)) {
        throw new ConsortiaError(AccessErrors.ACCESS_REPLAY, "this requester already used this nonce", {
          nonce: toHex(req.nonce),
        });
      }
      recordNonce(state, req.requester, req.nonce, req.timestampMs, p.requestWindowMs);

      const requester = addressFromPublicKey(req.requester);
      const decision = evaluateAccess(state, now, requester, record, req.purpose, ctx.work);
      const seq = appendAccessLog(state, record.patient, {
        requester,
        recordId: record.id,
        holder: record.holder,
        purpose: req.purpose,
        requestTimestampMs: req.timestampMs,
        blockTimeMs: now,
        height: ctx.block.height,
        outcome: decision.outcome,
        reason: decision.reason,
      });
      const requesterHex = toHex(requester);
      ctx.emit("access.retrieve", {
        requester: requesterHex,
        patient: toHex(record.patient),
        record: toHex(record.id),
        holder: toHex(record.holder),
        purpose: req.purpose,
        outcome: decision.outcome,
        reason: decision.reason,
        seq: seq.toString(),
      });
      if (decision.outcome !== "denied" || !PENALIZED.has(decision.reason)) return;
      const pen = addPenalty(state, requester, decision.reason, ctx.block.height, p.maxPenalties);
      ctx.emit("access.penalty", {
        requester: requesterHex,
        action: decision.reason,
        penalties: String(pen.status.penalties),
      });
      if (pen.newlySuspended) {
        ctx.emit("access.suspend", {
          requester: requesterHex,
          penalties: String(pen.status.penalties),
          height: ctx.block.height.toString(),
        });
      }
    },
  }),
];
