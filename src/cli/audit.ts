/**
 * `mcpgw audit verify|query|export|keygen`, and the audit flags `wrap` and `proxy` share
 * (`--audit-db FILE`, `--no-audit`).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { auditDbPath } from "../audit/log.ts";
import { CSV_HEADER, csvLine, jsonLine, QueryError, type QueryFilter, queryRecords, textLine } from "../audit/query.ts";
import { deriveKeyId } from "../audit/record.ts";
import { generateCheckpointKeys, loadPublicKey } from "../audit/signer.ts";
import { openForRead } from "../audit/store.ts";
import { type VerifyReport, verifyFile } from "../audit/verify.ts";
import { resolveConfig, UsageError } from "../config/index.ts";
import { COMMON_HELP, COMMON_OPTIONS, type Command, checkEnum, EXIT_FAILURE, parseFlags } from "./common.ts";

/** parseArgs options for the audit flags of `wrap` and `proxy`. */
export const AUDIT_SINK_OPTIONS = {
  "audit-db": { type: "string" },
  "no-audit": { type: "boolean" },
} as const;

export const AUDIT_SINK_HELP = `      --audit-db FILE     audit database (default: audit.db in config, $MCPGW_AUDIT_DB, ~/.mcpgw/audit.db)
      --no-audit          do not write the audit log`;

/** Config overrides (dotted paths) for the audit flags. */
export function auditSinkFlags(values: { "audit-db"?: string; "no-audit"?: boolean }): Record<string, unknown> {
  if (values["no-audit"] && values["audit-db"]) throw new UsageError("--audit-db and --no-audit cannot be combined");
  return {
    "audit.db": values["audit-db"],
    "audit.enabled": values["no-audit"] ? false : undefined,
  };
}

const HELP = `Usage: mcpgw audit <verify|query|export|keygen> [options]

  mcpgw audit verify [DB|JSONL] [--key [ID=]SECRET]… [--key-file FILE] [--public-key PEM]… [--json]
      Checks the hash chain, HMAC signatures (with a key) and signed checkpoints (with a public
      key). Prints OK with the record count and last hash, or the first broken seq and what is
      wrong (edited, deleted, inserted, reordered, bad_signature, truncated, …). Exit 1 on failure.
      Without --key, audit.signing_key from the config is used when there is one.

  mcpgw audit query [DB] [filters] [--limit N] [--format text|jsonl|csv]
      Matching records, newest first (default limit 100).

  mcpgw audit export [DB] [filters] [--format jsonl|csv] [-o FILE]
      All matching records in seq order (default jsonl to stdout).

  mcpgw audit keygen --out PREFIX
      Writes an Ed25519 key pair for checkpoints: PREFIX.key (private, mode 600) and PREFIX.pub.

Filters:
      --since T / --until T    ISO 8601 time, or a duration before now (15m, 24h)
      --subject S  --tool T (wildcards * ?)  --action A[,A…]  --direction c2s|s2c
      --method M  --session ID  --decided-by NAME  --label KEY=VALUE (repeatable)  --text WORDS

DB defaults to audit.db from the config, $MCPGW_AUDIT_DB, else ~/.mcpgw/audit.db.
${COMMON_HELP}`;

const FILTER_OPTIONS = {
  since: { type: "string" },
  until: { type: "string" },
  subject: { type: "string" },
  tool: { type: "string" },
  action: { type: "string", multiple: true },
  direction: { type: "string" },
  method: { type: "string" },
  session: { type: "string" },
  "decided-by": { type: "string" },
  label: { type: "string", multiple: true },
  text: { type: "string" },
  format: { type: "string" },
  limit: { type: "string" },
  output: { type: "string", short: "o" },
} as const;

function defaultDb(configFile: string | undefined): string {
  const { config } = resolveConfig({ file: configFile });
  return auditDbPath(config);
}

function dbArg(positionals: string[], configFile: string | undefined): string {
  if (positionals.length > 1) throw new UsageError(`expected at most one database, got ${positionals.length}`);
  const file = positionals[0] ?? defaultDb(configFile);
  if (!existsSync(file)) throw new UsageError(`no such audit log: ${file}`);
  return file;
}

function filterOf(v: Record<string, unknown>): QueryFilter {
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw new UsageError(`--limit must be a non-negative integer, not "${v.limit}"`);
  const actions = ((v.action as string[] | undefined) ?? []).flatMap((a) => a.split(",")).filter((a) => a !== "");
  return {
    since: v.since as string | undefined,
    until: v.until as string | undefined,
    subject: v.subject as string | undefined,
    tool: v.tool as string | undefined,
    actions,
    direction: checkEnum("direction", v.direction as string | undefined, ["c2s", "s2c"]) as "c2s" | "s2c" | undefined,
    method: v.method as string | undefined,
    session: v.session as string | undefined,
    decidedBy: v["decided-by"] as string | undefined,
    labels: v.label as string[] | undefined,
    text: v.text as string | undefined,
    limit,
  };
}

function keysFrom(
  values: { key?: string[]; "key-file"?: string },
  configFile: string | undefined,
): Map<string, string> {
  const keys = new Map<string, string>();
  // "ID=SECRET" names the key id; a secret may itself contain "=" (base64), so the whole text
  // also stays the fallback for records whose key id was not named.
  const add = (spec: string) => {
    const m = /^([A-Za-z0-9._-]{1,64})=(.+)$/s.exec(spec);
    if (m) keys.set(m[1]!, m[2]!);
    if (!keys.has("")) keys.set("", spec);
  };
  for (const k of values.key ?? []) add(k);
  if (values["key-file"]) add(readFileSync(values["key-file"], "utf8").trim());
  if (keys.size === 0) {
    try {
      const { config } = resolveConfig({ file: configFile });
      const secret = config.audit.signing_key;
      if (secret) keys.set(config.audit.key_id ?? deriveKeyId(secret), secret);
    } catch {
      // no usable config: verify without keys
    }
  }
  return keys;
}

function printReport(file: string, r: VerifyReport): void {
  if (r.ok) {
    const range = r.count > 0 ? ` (seq ${r.firstSeq}–${r.lastSeq})` : "";
    process.stdout.write(`OK ${file}: ${r.count} records${range}\n`);
    if (r.lastHash) process.stdout.write(`last hash ${r.lastHash}\n`);
  } else {
    const p = r.problem!;
    process.stdout.write(`FAILED ${file}: seq ${p.seq}: ${p.kind}: ${p.detail}\n`);
    process.stdout.write(
      `${r.count} records verified before it${r.lastHash ? `; last good hash ${r.lastHash}` : ""}\n`,
    );
  }
  process.stdout.write(
    `signatures: ${r.signaturesChecked ? "verified" : "not checked (no --key)"}; checkpoints: ${r.checkpointsVerified}/${r.checkpoints} signature-verified\n`,
  );
  for (const n of r.notes) process.stdout.write(`note: ${n}\n`);
}

async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      ...COMMON_OPTIONS,
      key: { type: "string", multiple: true },
      "key-file": { type: "string" },
      "public-key": { type: "string", multiple: true },
      json: { type: "boolean" },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const file = dbArg(positionals, values.config);
  const keys = keysFrom(values, values.config);
  const publicKeys = await Promise.all((values["public-key"] ?? []).map((p) => loadPublicKey(p)));
  const r = await verifyFile(file, { keys, publicKeys });
  if (values.json) process.stdout.write(`${JSON.stringify({ file, ...r })}\n`);
  else printReport(file, r);
  return r.ok ? 0 : EXIT_FAILURE;
}

async function writeOut(lines: Iterable<string>, output: string | undefined): Promise<number> {
  let n = 0;
  if (output) {
    const w = Bun.file(output).writer();
    for (const l of lines) {
      w.write(l);
      n++;
    }
    await w.end();
    return n;
  }
  const w = Bun.stdout.writer();
  for (const l of lines) {
    w.write(l);
    n++;
    if (n % 1000 === 0) await w.flush();
  }
  await w.flush();
  return n;
}

async function queryOrExport(argv: string[], exporting: boolean): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...COMMON_OPTIONS, ...FILTER_OPTIONS }, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const formats = exporting ? ["jsonl", "csv"] : ["text", "jsonl", "csv"];
  const format = checkEnum("format", values.format, formats) ?? (exporting ? "jsonl" : "text");
  const filter = filterOf(values);
  const file = dbArg(positionals, values.config);
  const db = openForRead(file);
  try {
    const f: QueryFilter = exporting ? filter : { ...filter, limit: filter.limit ?? 100, desc: true };
    const records = queryRecords(db, f);
    const line = format === "csv" ? csvLine : format === "jsonl" ? jsonLine : textLine;
    function* lines() {
      if (format === "csv") yield CSV_HEADER;
      for (const r of records) yield line(r);
    }
    await writeOut(lines(), values.output);
    return 0;
  } catch (e) {
    if (e instanceof QueryError) throw new UsageError(e.message);
    throw e;
  } finally {
    db.close();
  }
}

async function keygen(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { ...COMMON_OPTIONS, out: { type: "string" } });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.out) throw new UsageError("keygen needs --out PREFIX");
  const keyFile = `${values.out}.key`;
  const pubFile = `${values.out}.pub`;
  if (existsSync(keyFile)) throw new UsageError(`${keyFile} exists; not overwriting a key`);
  const k = await generateCheckpointKeys();
  writeFileSync(keyFile, k.privatePem, { mode: 0o600 });
  writeFileSync(pubFile, k.publicPem, { mode: 0o644 });
  process.stdout.write(`wrote ${keyFile} and ${pubFile} (key id ${k.keyId})\n`);
  return 0;
}

export const auditCommand: Command = {
  name: "audit",
  summary: "verify, query and export the audit log",
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "verify":
        return verify(rest);
      case "query":
        return queryOrExport(rest, false);
      case "export":
        return queryOrExport(rest, true);
      case "keygen":
        return keygen(rest);
      case undefined:
      case "-h":
      case "--help":
      case "help":
        process.stdout.write(`${HELP}\n`);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown audit subcommand "${sub}" (verify, query, export, keygen)`);
    }
  },
};
