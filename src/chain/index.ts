export { type Delivery, deliver } from "./deliver.ts";
export type { Authenticator, AuthOutcome } from "./edge.ts";
export { type ChainErrorSink, compileChain, type RunChain } from "./pipeline.ts";
export * from "./types.ts";
