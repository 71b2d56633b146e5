/**
 * Every Worker entry URL, built here beside main.ts on purpose: a URL built inside a subfolder
 * resolves against the bundle root in a `bun build --compile` binary and finds no worker.
 * Each file named here is also an entry point of the compile step.
 */

/** The interceptor worker pool (src/pool/): runs the tasks of src/pool/tasks.ts. */
export const POOL_WORKER_URL = new URL("./pool/worker.ts", import.meta.url);

/** The audit log writer (src/audit/): owns the SQLite database. */
export const AUDIT_WORKER_URL = new URL("./audit/worker.ts", import.meta.url);
