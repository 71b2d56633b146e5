/**
 * Record types on the pool's rings. A record's `word` packs the type (low 8 bits) and the task
 * index (the rest); `generation` names the configuration a job runs under.
 */

/** main → worker */
export const REQ_RUN = 1;
/** main → worker: payload is the task's configuration as JSON; acknowledged with RES_OK. */
export const REQ_CONFIG = 2;
/** main → worker: forget a generation's prepared state. No answer. */
export const REQ_DROP = 3;

/** worker → main: payload is the task's result as JSON. */
export const RES_OK = 1;
/** worker → main: payload is an error message. */
export const RES_ERR = 2;

export const packWord = (type: number, task: number) => (task << 8) | type;
export const wordType = (word: number) => word & 0xff;
export const wordTask = (word: number) => word >>> 8;

/** worker → main, by postMessage once it has loaded and is serving its rings. */
export const WORKER_READY = "ready";

/** The one postMessage a worker receives: its two rings. */
export interface WorkerInit {
  readonly requests: SharedArrayBuffer;
  readonly responses: SharedArrayBuffer;
}
