// Runs the schema engine in a worker thread, so that its WebAssembly memory is released with the
// worker instead of staying resident in Steward's process for its whole life.
import { parentPort, workerData } from 'node:worker_threads';
import { applyMigrations } from './schema-engine.js';

const { url } = workerData as { url: string };
applyMigrations(url).then(
  (applied) => parentPort!.postMessage({ ok: true, applied }),
  (err: Error) => parentPort!.postMessage({ ok: false, message: err.message }),
);
