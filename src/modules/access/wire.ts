import { array, enumOf, fixedBytes, string, struct, u64 } from "../../codec/schema.js";
import { ROLES } from "../identity/certificate.js";
import { MAX_RECORD_TYPE_BYTES } from "../records/state.js";
import {
  DECISIONS,
  MAX_CONSENT_RECORD_IDS,
  MAX_CONSENT_RECORD_TYPES,
  MAX_ENDPOINT_BYTES,
  MAX_PURPOSES,
  PURPOSES,
} from "./policy.js";
import { retrievalRequestCodec } from "./request.js";

/** Wire formats of the access messages (canonical codec, docs/codec.md); the SDK builds from these. */

/** `role` uses the certificate's role enum, so one role has one byte everywhere. */
export const addUserMsg = struct({ user: fixedBytes(20), role: enumOf(ROLES) });
export const deleteUserMsg = struct({ user: fixedBytes(20) });
export const setProfileMsg = struct({ encryptionKey: fixedBytes(32), endpoint: string(MAX_ENDPOINT_BYTES) });
export const grantMsg = struct({
  recipient: fixedBytes(20),
  decision: enumOf(DECISIONS),
  purposes: array(enumOf(PURPOSES), MAX_PURPOSES),
  recordIds: array(fixedBytes(32), MAX_CONSENT_RECORD_IDS),
  recordTypes: array(string(MAX_RECORD_TYPE_BYTES), MAX_CONSENT_RECORD_TYPES),
  periodStartMs: u64,
  periodEndMs: u64,
});
export const revokeConsentMsg = struct({ consentId: fixedBytes(32) });
export const retrieveMsg = struct({ request: retrievalRequestCodec, signature: fixedBytes(64) });
