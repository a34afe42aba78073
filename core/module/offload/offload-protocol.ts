// Messages between an edge node's main thread and its offload worker.
import type { PipelineLimits, PrepareResult, Rejection } from "../../pipeline";

export type OffloadJob =
  | { id: number; kind: "sha256"; bytes: Uint8Array }
  | { id: number; kind: "prepare"; bytes: Uint8Array; limits: PipelineLimits }
  | { id: number; kind: "check"; bytes: Uint8Array; limits: PipelineLimits };

export type OffloadAnswer =
  | { id: number; kind: "sha256"; hex: string }
  | { id: number; kind: "prepare"; result: PrepareResult }
  | { id: number; kind: "check"; rejection: Rejection | null };
