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
  writeFileSync(file, `// Rendered from prisma/schema.prisma by scripts/db-generate.mjs. Do not edit.\n${text.replaceAll(PLACEHOLDER, provider)}`);
  return file;
}

function prismaCli() {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('prisma/package.json', { paths: [root] });
  const bin = JSON.parse(readFileSync(pkgFile, 'utf8')).bin;
  return path.join(path.dirname(pkgFile), typeof bin === 'string' ? bin : bin.prisma);
}

function generate(cli, schema) {
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'generate', '--schema', schema], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
