import type { Module } from "../../app/types.js";
import { accessMessages } from "./messages.js";
import { pruneNonces } from "./nonces.js";
import {
  type AccessGenesis,
  accessGenesisSchema,
  accessParamsFromGenesis,
  getAccessParams,
  setAccessParams,
} from "./params.js";
import { accessQuery } from "./query.js";

/**
 * Access control over the records module (docs/records-onchain.md): BEdgeHealth's ACSC and the
 * edge-cloud sharing contract — institutions add and delete users, patients grant and revoke
 * FHIR-shaped consents, holders log every retrieval with its outcome, and denied requesters are
 * penalised, then suspended.
 */
export const accessModule: Module<AccessGenesis> = {
  name: "access",
  genesisSchema: accessGenesisSchema,
  messages: accessMessages,
  initGenesis(state, g) {
    setAccessParams(state, accessParamsFromGenesis(g));
  },
  beginBlock(ctx) {
    pruneNonces(ctx.state, ctx.block.timeMs, getAccessParams(ctx.state).requestWindowMs);
  },
  query(path, params, ctx) {
    return accessQuery(path, params, ctx);
  },
};
