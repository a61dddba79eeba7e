/** Public API of src/offchain/dht: the Kademlia baseline of the retrieval benchmark. See docs/retrieval-bench.md. */
export { DhtErrors } from "./errors.js";
export {
  type Contact,
  canonicalUrl,
  commonPrefixLength,
  compareDistance,
  contactFromUrl,
  ID_BITS,
  ID_BYTES,
  idHex,
  idWithPrefix,
  type NodeId,
  nodeIdFromUrl,
  providerKey,
  xorDistance,
} from "./id.js";
export { iterativeLookup, type LookupOutcome, type LookupParams, type QueryAnswer } from "./lookup.js";
export {
  createDhtNode,
  type DhtHandlers,
  type DhtNode,
  type DhtNodeComponents,
  type DhtNodeInit,
  type NodeLookupResult,
  type ProvideResult,
  type ProvidersResult,
} from "./node.js";
export {
  createProviderStore,
  type Provider,
  type ProviderStore,
  type ProviderStoreOptions,
} from "./providers.js";
export { type DhtRoutesOptions, registerDhtRoutes } from "./routes.js";
export { createRoutingTable, type RoutingTable, type UpdateResult } from "./routingTable.js";
export { createDhtRpc, type DhtFetch, type DhtRpc, type DhtRpcOptions, type ProvidersAnswer } from "./rpc.js";
export { MAX_K, MAX_PROVIDERS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from "./wire.js";
