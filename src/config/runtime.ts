// V8 settings applied before anything compiles WebAssembly (the database query compiler).
import v8 from 'node:v8';

/**
 * Keep WebAssembly on V8's baseline compiler: the optimising tier recompiles the whole query
 * compiler in the background and holds ~45 MB more resident memory for no measurable gain in
 * query latency (see bench/README.md).
 */
export function tuneRuntime(): void {
  v8.setFlagsFromString('--liftoff-only');
}
