/**
 * Config sections owned by the audit log: `audit:`, `audit_log:` (the original mcpgw's JSONL
 * path, kept as a mirror) and `alerting:` (the original's block webhook).
 */
import { z } from "zod";
import { ByteSize, Duration } from "../config/common.ts";

export const DEFAULT_BATCH_MS = 10;
export const DEFAULT_BATCH_SIZE = 256;
export const DEFAULT_QUEUE_MAX = 65_536;
export const DEFAULT_MAX_ARGS_BYTES = 64 * 1024;

export const JsonlRotationSchema = z
  .strictObject({
    max_size: ByteSize.default(10 * 1024 * 1024).describe("rotate the JSONL file when it would grow past this size"),
    max_age: Duration.default(0).describe("rotate the JSONL file when it is older than this (0: never by time)"),
    max_files: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(0)
      .describe("most rotated files kept; older ones are deleted (0: keep all)"),
    retention: Duration.default(0).describe("delete rotated files older than this (0: keep forever)"),
  })
  .describe("rotation and retention of the JSONL mirror (audit_log)");

export const AuditSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("write the audit log (the --no-audit flag turns it off)"),
    db: z.string().optional().describe("SQLite database file (default ~/.mcpgw/audit.db)"),
    signing_key: z
      .string()
      .min(16)
      .optional()
      .describe(
        "HMAC-SHA256 key for per-record signatures; take it from an environment variable, at least 16 characters",
      ),
    key_id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional()
      .describe("id recorded with each signature, so keys can be rotated (default: derived from the key)"),
    checkpoint_key: z
      .string()
      .optional()
      .describe("Ed25519 private key (PKCS#8 PEM, or a file path) that signs periodic checkpoints"),
    checkpoint_key_id: z
      .string()
      .optional()
      .describe("id recorded with each checkpoint (default: derived from the key)"),
    checkpoint_interval: Duration.default(60_000).describe("how often a signed checkpoint is written"),
    synchronous: z.enum(["normal", "full"]).default("normal").describe("SQLite synchronous mode of the writer"),
    batch_ms: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(DEFAULT_BATCH_MS)
      .describe("longest wait before a group commit, ms"),
    batch_size: z.number().int().min(1).max(100_000).default(DEFAULT_BATCH_SIZE).describe("most records per commit"),
    queue_max: z
      .number()
      .int()
      .min(16)
      .max(10_000_000)
      .default(DEFAULT_QUEUE_MAX)
      .describe("most records queued but not yet written; a full queue is handled like a write failure"),
    on_failure: z
      .enum(["block", "continue"])
      .optional()
      .describe(
        "when the log cannot write: block traffic (default in enforce mode) or continue (default in audit mode)",
      ),
    arguments: z
      .enum(["redacted", "digest", "none"])
      .default("redacted")
      .describe("tool arguments in records: redacted values, a SHA-256 digest, or nothing"),
    max_args_bytes: ByteSize.default(DEFAULT_MAX_ARGS_BYTES).describe(
      "messages larger than this record a note instead of their arguments",
    ),
    label_claims: z
      .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/))
      .max(32)
      .default([])
      .describe("identity labels copied into records (default: all labels the identity carries)"),
    jsonl: JsonlRotationSchema.default({ max_size: 10 * 1024 * 1024, max_age: 0, max_files: 0, retention: 0 }),
  })
  .describe("the tamper-evident audit log");

export type AuditConfig = z.infer<typeof AuditSchema>;

export const DEFAULT_AUDIT: AuditConfig = Object.freeze({
  enabled: true,
  checkpoint_interval: 60_000,
  synchronous: "normal",
  batch_ms: DEFAULT_BATCH_MS,
  batch_size: DEFAULT_BATCH_SIZE,
  queue_max: DEFAULT_QUEUE_MAX,
  arguments: "redacted",
  max_args_bytes: DEFAULT_MAX_ARGS_BYTES,
  label_claims: [],
  jsonl: { max_size: 10 * 1024 * 1024, max_age: 0, max_files: 0, retention: 0 },
}) as AuditConfig;

export const AlertingSchema = z
  .strictObject({
    webhook_url: z
      .string()
      .regex(/^https?:\/\//, "webhook_url must be an http:// or https:// URL")
      .optional()
      .describe("POST a JSON summary of every block decision here"),
    dedup_window: Duration.default(300_000).describe(
      "alerts for the same rule, tool and subject within this are sent once",
    ),
  })
  .describe("webhook alerts on block decisions (as the original mcpgw)");

export type AlertingConfig = z.infer<typeof AlertingSchema>;
