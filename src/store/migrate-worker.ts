// Runs the schema engine in a worker thread, so that its WebAssembly memory is released with the
// worker instead of staying resident in Steward's process for its whole life.
import { parentPort, workerData } from 'node:worker_threads';
import { applyMigrations } from './schema-engine.js';

const { url, upTo } = workerData as { url: string; upTo?: string };
applyMigrations(url, upTo).then(
  (applied) => parentPort!.postMessage({ ok: true, applied }),
  (err: Error) => parentPort!.postMessage({ ok: false, message: err.message }),
);
