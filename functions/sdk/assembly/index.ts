export { Request } from "./request";
export { Response } from "./response";
export { log } from "./log";
export { env } from "./env";
export { now, randomBytes } from "./system";
