import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { defineRoute, jsonReply, type Route } from "../api/route.js";
import { zHexBytes, zU64 } from "../app/zod.js";
import type { ConsortiaError } from "../errors.js";
import type { BlockStore } from "../offchain/blockstore.js";
import { registerGatewayRoutes } from "../offchain/gateway.js";
import type { EhrService } from "./service.js";

const zBase64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4 + 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64")
    .transform((s) => new Uint8Array(Buffer.from(s, "base64")));

const recordTypeSchema = z.string().min(1).max(64);
const idParams = z.object({ id: zHexBytes(32) });

/**
 * The health-record routes of an institution node (docs/api.md "Health records"). Listing,
 * consents and access logs are chain queries (/query/records/..., /query/access/...); these
 * routes are the operations that need the holder: storing, retrieving and erasing ciphertext.
 */
export function ehrRoutes(svc: EhrService, maxRecordBytes: number): Route[] {
  const uploadBodyLimit = Math.ceil(maxRecordBytes / 3) * 4 + 64 * 1024;
  const uploadBody = z.object({
    // Bounded by the body limit only: a record over maxRecordBytes must reach the service's own
    // check and get EHR_TOO_LARGE (413), not a generic schema error.
    envelope: zBase64(uploadBodyLimit),
    patient: zHexBytes(20),
    recordType: recordTypeSchema,
    uploader: zHexBytes(32),
    timestampMs: zU64,
    signature: zHexBytes(64),
  });
  const retrieveBody = z.object({ enc: zHexBytes(32), ciphertext: zBase64(4096) });
  const eraseBody = z.object({ requester: zHexBytes(32), timestampMs: zU64, signature: zHexBytes(64) });
  return [
    defineRoute({
      method: "GET",
      url: "/ehr/holder",
      summary: "This node as a record holder: account address and X25519 encryption key",
      responses: [{ status: 200, description: "holder identity" }],
      handler: async () =>
        jsonReply({
          holder: Buffer.from(svc.address).toString("hex"),
          encryptionKey: Buffer.from(svc.encryptionPublicKey).toString("hex"),
          corruptions: svc.corruptions.length,
        }),
    }),
    defineRoute({
      method: "POST",
      url: "/ehr/records",
      summary: "Store an encrypted record (envelope) here and index it on chain (records/put)",
      body: uploadBody,
      bodyLimit: uploadBodyLimit,
      responses: [
        { status: 201, description: "stored and committed: id (sha256 of the envelope), CID, height" },
      ],
      errors: [
        "EHR_FHIR_INVALID",
        "EHR_TOO_LARGE",
        "EHR_BAD_SIGNATURE",
        "EHR_REQUEST_EXPIRED",
        "EHR_BAD_ENVELOPE",
        "RECORDS_UNKNOWN_PATIENT",
        "RECORDS_EXISTS",
      ],
      handler: async ({ body }) =>
        jsonReply(
          await svc.upload({
            envelope: body.envelope,
            patient: body.patient,
            recordType: body.recordType,
            uploaderKey: body.uploader,
            timestampMs: body.timestampMs,
            signature: body.signature,
          }),
          201,
        ),
    }),
    defineRoute({
      method: "POST",
      url: "/ehr/retrieve",
      summary:
        "Retrieve a record: the request is HPKE-sealed to this holder, decided and logged on chain (access/retrieve), then the data key is re-wrapped for the requester",
      body: retrieveBody,
      responses: [{ status: 200, description: "wrapped key and a gateway grant for the CID" }],
      errors: [
        "EHR_BAD_REQUEST",
        "EHR_BAD_SIGNATURE",
        "EHR_DENIED",
        "EHR_ERASED",
        "EHR_TAMPERED",
        "EHR_NOT_HOLDER",
        "EHR_UNKNOWN_RECORD",
        "EHR_NO_PROFILE",
        "ACCESS_REPLAY",
        "ACCESS_REQUEST_EXPIRED",
      ],
      handler: async ({ body }) =>
        jsonReply(await svc.retrieve({ enc: body.enc, ciphertext: body.ciphertext })),
    }),
    defineRoute({
      method: "POST",
      url: "/ehr/records/:id/erase",
      summary:
        "Erase a record at the patient's request: ciphertext and keys deleted here, records/erase on chain",
      params: idParams,
      body: eraseBody,
      responses: [{ status: 200, description: "erased" }],
      errors: ["EHR_DENIED", "EHR_ERASED", "EHR_BAD_SIGNATURE", "EHR_NOT_HOLDER", "EHR_UNKNOWN_RECORD"],
      handler: async ({ params, body }) =>
        jsonReply(
          await svc.erase({
            recordId: params.id,
            requesterKey: body.requester,
            timestampMs: body.timestampMs,
            signature: body.signature,
          }),
        ),
    }),
  ];
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer ([A-Za-z0-9.]{1,1024})$/.exec(h.trim());
  return m?.[1];
}

/** The IPFS trustless gateway at /ipfs/{cid}, open only to holders of a retrieval grant. */
export function ehrGatewayPlugin(svc: EhrService, blockstore: BlockStore): (f: FastifyInstance) => void {
  return (f) =>
    registerGatewayRoutes(
      f,
      { blockstore },
      {
        authorize: (req, cid) => svc.authorizeGateway(bearer(req), cid.toString()),
        onError: (err: ConsortiaError) => {
          if (err.code === "OFFCHAIN_HASH_MISMATCH")
            svc.reportCorruption(String(err.details.cid ?? ""), err.message);
        },
      },
    );
}
