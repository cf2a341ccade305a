// Renders prisma/schema.prisma once per database provider and generates one Prisma client each:
//   prisma/.generated/<provider>/schema.prisma  ->  src/store/generated/<provider>/
// Runs as the package's postinstall and as `npm run db:generate`. Works offline: `prisma generate`
// never runs the native schema engine, so PRISMA_SCHEMA_ENGINE_BINARY points at an existing file
// to stop the CLI from trying to download one.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROVIDERS = ['sqlite', 'postgresql'];
const PLACEHOLDER = '__PROVIDER__';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'prisma', 'schema.prisma');

/** Path of the rendered schema for `provider`. */
export function renderedSchemaPath(provider) {
  return path.join(root, 'prisma', '.generated', provider, 'schema.prisma');
}

/** Writes the schema for `provider` and returns its path. */
export function renderSchema(provider) {
  const text = readFileSync(source, 'utf8');
  if (!text.includes(PLACEHOLDER)) throw new Error(`${source} has no ${PLACEHOLDER} placeholder`);
  const file = renderedSchemaPath(provider);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `// Rendered from prisma/schema.prisma by scripts/db-generate.mjs. Do not edit.\n${text.replaceAll(PLACEHOLDER, provider)}`,
  );
  return file;
}

function prismaCli() {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('prisma/package.json', { paths: [root] });
  const bin = JSON.parse(readFileSync(pkgFile, 'utf8')).bin;
  return path.join(path.dirname(pkgFile), typeof bin === 'string' ? bin : bin.prisma);
}

/**
 * The generated client imports the query compiler as an ES module holding it in base64: the module
 * namespace keeps that 2 MB string, and its 2 MB source, alive for the life of the process. The
 * patched loader requires the CommonJS twin of that module and drops it from the require cache once
 * the WebAssembly module is compiled, so the text can be collected.
 */
const WASM_IMPORT =
  /const \{ wasm \} = await import\("(@prisma\/client\/runtime\/[\w.]+\.wasm-base64)\.mjs"\)\n(\s*)return await decodeBase64AsWasm\(wasm\)/;

export function patchWasmLoader(source) {
  const m = WASM_IMPORT.exec(source);
  if (!m)
    throw new Error(
      'the generated client no longer loads its query compiler as expected; update patchWasmLoader in scripts/db-generate.mjs',
    );
  const [, specifier, indent] = m;
  return source.replace(
    WASM_IMPORT,
    [
      `// Patched by scripts/db-generate.mjs: the base64 text is released once compiled.`,
      `${indent}const { createRequire } = await import('node:module')`,
      `${indent}const require = createRequire(import.meta.url)`,
      `${indent}const id = require.resolve("${specifier}.js")`,
      `${indent}try {`,
      `${indent}  return await decodeBase64AsWasm((require(id) as { wasm: string }).wasm)`,
      `${indent}} finally {`,
      `${indent}  delete require.cache[id]`,
      `${indent}}`,
    ].join('\n'),
  );
}

function generate(cli, schema) {
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'generate', '--schema', schema], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function main() {
  let cli;
  try {
    cli = prismaCli();
  } catch {
    console.error('db:generate: the prisma CLI is not installed (devDependency "prisma"); run npm ci first');
    return 1;
  }
  const started = Date.now();
  const results = await Promise.all(
    PROVIDERS.map(async (provider) => {
      try {
        return { provider, ...(await generate(cli, renderSchema(provider))) };
      } catch (err) {
        return { provider, code: 1, output: `${err instanceof Error ? err.message : String(err)}\n` };
      }
    }),
  );
  let failed = 0;
  for (const r of results) {
    if (r.code === 0) {
      const file = path.join(root, 'src', 'store', 'generated', r.provider, 'internal', 'class.ts');
      writeFileSync(file, patchWasmLoader(readFileSync(file, 'utf8')));
      console.log(`db:generate: ${r.provider} client -> src/store/generated/${r.provider}`);
    } else {
      failed++;
      console.error(`db:generate: ${r.provider} client FAILED (exit ${r.code})\n${r.output.trim()}`);
    }
  }
  if (!failed) console.log(`db:generate: done in ${Date.now() - started} ms`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
