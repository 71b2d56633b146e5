export { createLogger, type LogFormat, type Logger, type LogLevel, silentLogger } from "./logger.ts";
