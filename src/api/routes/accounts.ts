import { readNonce } from "../../app/nonce.js";
import { isConsortiaError } from "../../errors.js";
import { IdentityErrors } from "../../modules/identity/errors.js";
import { defineRoute, errorReply, jsonReply, type Route } from "../route.js";
import { accountSchema, addressParamsSchema, identitySchema } from "../schemas.js";
import { hexToBytes, queryValue } from "./common.js";

export const accountRoute: Route = defineRoute({
  method: "GET",
  url: "/accounts/:address",
  summary:
    "Balance, next nonce (committed and counting admitted transactions) and identity (null when unregistered) of an address",
  params: addressParamsSchema,
  responses: [{ status: 200, description: "account", schema: accountSchema }],
  handler({ params }, ctx) {
    const { address } = params;
    const bal = queryValue(ctx, `coin/balance/${address}`) as { balance: bigint };
    let identity: unknown = null;
    try {
      identity = queryValue(ctx, `identity/address/${address}`);
    } catch (err) {
      if (!isConsortiaError(err, IdentityErrors.IDENTITY_NOT_REGISTERED)) throw err;
    }
    // The committed store, like the queries: a pending transaction has not used its nonce yet.
    const nonce = readNonce(ctx.node.store, hexToBytes(address));
    const pendingNonce = ctx.node.app.pendingNonce(hexToBytes(address));
    return jsonReply({ address, balance: bal.balance, nonce, pendingNonce, identity });
  },
});

export const identityRoute: Route = defineRoute({
  method: "GET",
  url: "/identities/:address",
  summary: "Identity record of an address (404 IDENTITY_NOT_REGISTERED when there is none)",
  params: addressParamsSchema,
  responses: [{ status: 200, description: "identity record", schema: identitySchema }],
  errors: [IdentityErrors.IDENTITY_NOT_REGISTERED],
  handler({ params }, ctx) {
    try {
      return jsonReply(queryValue(ctx, `identity/address/${params.address}`));
    } catch (err) {
      // Registered as 403 for transactions ("sender is not allowed"); for a lookup it means "no such record".
      if (isConsortiaError(err, IdentityErrors.IDENTITY_NOT_REGISTERED)) return errorReply(err, 404);
      throw err;
    }
  },
});
