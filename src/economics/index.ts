/** Public API of the incentive and offloading solvers (pure functions, plain objects). */

export {
  type ContractMenu,
  type ContractMenuParams,
  type ContractModel,
  type ContractModelParams,
  solveContractMenu,
  solveContractModel,
} from "./contractMenu.js";
export * from "./dataPricing.js";
export * from "./fixedPoint.js";
export * from "./loanPricing.js";
export {
  type OffloadingInstance,
  type OffloadingSolution,
  type OffloadTask,
  solveOffloading,
  solveOffloadingPso,
} from "./offloading.js";
export * from "./validate.js";
