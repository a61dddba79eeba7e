import type { Route } from "../route.js";
import { accountRoute, identityRoute } from "./accounts.js";
import { blockByHashRoute, blockByHeightRoute, latestBlockRoute } from "./blocks.js";
import { eventsRoute } from "./events.js";
import { chainRoute, healthRoute } from "./health.js";
import { metricsRoute } from "./meta.js";
import { queryRoute } from "./query.js";
import { getReceiptRoute, getTxRoute, submitBatchRoute, submitTxRoute } from "./txs.js";

/** Every route of API v1 except /openapi.json (which is built from this list). */
export const apiRoutes: readonly Route[] = [
  healthRoute,
  chainRoute,
  metricsRoute,
  submitTxRoute,
  submitBatchRoute,
  getTxRoute,
  getReceiptRoute,
  latestBlockRoute,
  blockByHeightRoute,
  blockByHashRoute,
  accountRoute,
  identityRoute,
  queryRoute,
  eventsRoute,
];
