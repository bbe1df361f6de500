import pino, { type Logger } from "pino";

export type { Logger };

/** Paths pino redacts wherever they appear in a log line. */
const REDACT = [
  "password",
  "secretKey",
  "accessKey",
  "token",
  "authorization",
  "*.password",
  "*.secretKey",
  "*.accessKey",
  "*.token",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
];

/** A structured JSON logger for one service; credentials are redacted. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name: service, level, redact: { paths: REDACT, censor: "[redacted]" } });
}
