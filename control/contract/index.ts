export * from "./records";
export * from "./route-pattern";
