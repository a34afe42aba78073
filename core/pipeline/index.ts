export {
  inputRejection,
  prepareModule,
  type PipelineLimits,
  type PrepareOptions,
  type PrepareResult,
} from "./prepare.ts";
export { REJECTION_CODES, type Rejection, type RejectionCode } from "./rejections.ts";
export { detectRuntime } from "./runtime-check.ts";
