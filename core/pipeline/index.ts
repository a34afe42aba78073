export { inputRejection, prepareModule, PIPELINE_VERSION, type PipelineLimits, type PrepareOptions, type PrepareResult } from "./prepare.ts";
export { PreparedModuleCache, prepareModuleCached, cacheKey, type PreparedCacheOptions } from "./cache.ts";
export { REJECTION_CODES, type Rejection, type RejectionCode } from "./rejections.ts";
