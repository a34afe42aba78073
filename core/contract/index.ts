export * from "./records";
export * from "./route-pattern";
export * from "./watch";
