/** Public API of src/offchain. See docs/offchain.md. */
export {
  type BlockStore,
  type BlockStoreOptions,
  type BlockStoreStats,
  DEFAULT_MAX_BLOCK_BYTES,
  openBlockstore,
} from "./blockstore.js";
export { encodeCarHeader, readVerifiedCar } from "./car.js";
export {
  blockKey,
  blockLinks,
  CID,
  cidFromBytes,
  DAG_PB_CODE,
  parseCid,
  RAW_CODE,
  SHA2_256_CODE,
  verifyBlock,
} from "./cid.js";
export { type DagBlock, walkDag } from "./dag.js";
export { OffchainErrors } from "./errors.js";
export {
  type FetchFromHolderOptions,
  type FetchImpl,
  type FetchResult,
  fetchBlock,
  fetchFromHolder,
} from "./fetch.js";
export {
  CAR_MEDIA_TYPE,
  type DagScope,
  DEFAULT_MAX_CAR_BYTES,
  type GatewayOptions,
  RAW_MEDIA_TYPE,
  registerGatewayRoutes,
  type ServedEvent,
} from "./gateway.js";
export { createMemoryBlockstore } from "./memoryBlockstore.js";
export {
  type AddResult,
  type CidInput,
  type ContentStore,
  type ContentStoreOptions,
  createContentStore,
  DEFAULT_MAX_ADD_BYTES,
  DEFAULT_MAX_CAT_BYTES,
  type RemoveResult,
  type StatResult,
} from "./store.js";
export {
  UNIXFS_CHUNK_SIZE,
  UNIXFS_CID_VERSION,
  UNIXFS_MAX_CHILDREN,
  unixfsImporterOptions,
} from "./unixfs.js";
