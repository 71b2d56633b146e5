export { buildContext, targetOf } from "./context.ts";
export { DEFAULT_MAX_PENDING, Session } from "./session.ts";
