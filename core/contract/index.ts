export * from "./records";
export * from "./route-pattern";
export * from "./secrets";
export * from "./watch";
