/**
 * The JSONL mirror (`audit_log:`, as the original mcpgw): the same chained records, one JSON
 * object a line, appended after each database commit. Rotated by size and age; rotated files
 * are named `<base>-<YYYYMMDDTHHMMSS.mmmZ of the rotation><ext>` and pruned by count and age. The chain continues
 * across files, so `mcpgw audit verify` accepts a rotated file that starts mid-chain.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { type AuditRecord, canonicalJson } from "./record.ts";

export interface JsonlRotation {
  readonly max_size: number;
  readonly max_age: number;
  readonly max_files: number;
  readonly retention: number;
}

/** A record as one JSONL line: record fields in canonical order plus prev_hash, hash, sig. */
export function recordLine(rec: AuditRecord): string {
  return `${canonicalJson(rec)}\n`;
}

export class JsonlMirror {
  private fd = -1;
  private size = 0;
  private openedAt = 0;

  constructor(
    readonly path: string,
    private readonly rotation: JsonlRotation,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.open();
  }

  private open(): void {
    this.fd = openSync(this.path, "a", 0o600);
    const st = fstatSync(this.fd);
    this.size = st.size;
    this.openedAt = this.size === 0 ? this.now() : Math.min(st.birthtimeMs || st.mtimeMs, this.now());
  }

  append(records: readonly AuditRecord[]): void {
    if (records.length === 0) return;
    let text = "";
    for (const r of records) text += recordLine(r);
    const bytes = Buffer.from(text);
    this.followRotation();
    if (this.shouldRotate(bytes.length)) this.rotate();
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off);
    this.size += bytes.length;
  }

  /**
   * Another process may share the log: continue in the current file when it rotated it, and
   * take the file's real size (its writes count towards max_size too).
   */
  private followRotation(): void {
    const onDisk = statSafe(this.path);
    const mine = fstatSync(this.fd);
    if (onDisk && onDisk.ino === mine.ino) {
      this.size = mine.size;
      return;
    }
    closeSync(this.fd);
    this.open();
  }

  private shouldRotate(adding: number): boolean {
    if (this.size === 0) return false;
    const { max_size, max_age } = this.rotation;
    if (max_size > 0 && this.size + adding > max_size) return true;
    return max_age > 0 && this.now() - this.openedAt >= max_age;
  }

  /** Renames the current file aside, opens a new one, then applies retention. */
  rotate(): void {
    closeSync(this.fd);
    const ext = extname(this.path);
    const base = this.path.slice(0, this.path.length - ext.length);
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, "");
    let target = `${base}-${stamp}${ext}`;
    for (let i = 1; statSafe(target); i++) target = `${base}-${stamp}.${i}${ext}`;
    renameSync(this.path, target);
    this.open();
    this.openedAt = this.now();
    this.prune();
  }

  /** Rotated files of this log, oldest first. */
  rotatedFiles(): string[] {
    const dir = dirname(this.path);
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    return readdirSync(dir)
      .filter((f) => f.startsWith(`${stem}-`) && f.endsWith(ext) && f !== basename(this.path))
      .sort()
      .map((f) => join(dir, f));
  }

  private prune(): void {
    const { max_files, retention } = this.rotation;
    let files = this.rotatedFiles();
    if (retention > 0) {
      const cutoff = this.now() - retention;
      for (const f of files) {
        const st = statSafe(f);
        if (st && st.mtimeMs < cutoff) unlinkSafe(f);
      }
      files = this.rotatedFiles();
    }
    if (max_files > 0 && files.length > max_files)
      for (const f of files.slice(0, files.length - max_files)) unlinkSafe(f);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function statSafe(f: string) {
  try {
    return statSync(f);
  } catch {
    return undefined;
  }
}

function unlinkSafe(f: string): void {
  try {
    unlinkSync(f);
  } catch {
    // already gone
  }
}
