import type { Module } from "../../app/types.js";
import { recordsMessages } from "./messages.js";
import {
  type RecordsGenesis,
  recordsGenesisSchema,
  recordsParamsFromGenesis,
  setRecordsParams,
} from "./params.js";
import { recordsQuery } from "./query.js";

/**
 * The on-chain EHR index (docs/records-onchain.md): one entry per stored envelope — BEdgeHealth
 * eq. (12)'s hash, patient pseudonym, holder and time, plus CID, uploader, type and size — and
 * per-patient and per-holder indexes. Content never touches the chain.
 */
export const recordsModule: Module<RecordsGenesis> = {
  name: "records",
  genesisSchema: recordsGenesisSchema,
  messages: recordsMessages,
  initGenesis(state, g) {
    setRecordsParams(state, recordsParamsFromGenesis(g));
  },
  query(path, params, ctx) {
    return recordsQuery(path, params, ctx);
  },
};
