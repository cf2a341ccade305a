// Loads Prisma's WebAssembly schema engine (migrations, diffing) without experimental Node flags:
// instantiate the .wasm with the package's wasm-bindgen glue as its import module.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

export type { SchemaEngine };
export type SchemaEngineClass = typeof SchemaEngine;

interface PanicRegistry {
  message: string;
  set_message(m: string): void;
  get(): string;
}

declare global {
  // Written by the glue when the engine panics.
  var PRISMA_WASM_PANIC_REGISTRY: PanicRegistry | undefined;
}

type Glue = Record<string, unknown> & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  SchemaEngine: SchemaEngineClass;
};

let loading: Promise<SchemaEngineClass> | undefined;

/** The SchemaEngine class, instantiated once per process. */
export function loadSchemaEngine(): Promise<SchemaEngineClass> {
  loading ??= instantiate().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/** The message of the last engine panic, if any. */
export function lastPanic(): string {
  // The client runtime may have installed its own registry first: read it defensively.
  const registry = globalThis.PRISMA_WASM_PANIC_REGISTRY as Partial<PanicRegistry> | undefined;
  if (typeof registry?.get === 'function') return registry.get() ?? '';
  return typeof registry?.message === 'string' ? registry.message : '';
}

async function instantiate(): Promise<SchemaEngineClass> {
  const require = createRequire(import.meta.url);
  // The package's exports map does not expose the .wasm file: find it next to the entry point.
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bytes = await readFile(path.join(dir, 'schema_engine_bg.wasm'));

  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: '',
    set_message(m: string) {
      this.message = `RuntimeError: ${m}`;
    },
    get() {
      return this.message;
    },
  };

  const bg = glue as unknown as Glue;
  const imports: Record<string, unknown> = { ...bg };
  // The engine arms per-operation timeouts that it never clears; unref them so an idle process
  // can exit right after the last engine call instead of up to 10 s later.
  for (const key of Object.keys(bg)) {
    if (key.startsWith('__wbg_setTimeout_')) {
      imports[key] = (fn: () => void, ms: number) => setTimeout(fn, ms >>> 0).unref();
    }
  }
  const { instance } = await WebAssembly.instantiate(bytes, {
    './schema_engine_bg.js': imports as WebAssembly.ModuleImports,
  });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg.SchemaEngine;
}
