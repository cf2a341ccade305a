// The generated Prisma clients are post-processed by scripts/db-generate.mjs; these checks keep the
// patch in place across regenerations (every store test runs the patched loader).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without type declarations
import { PROVIDERS, patchWasmLoader } from '../../scripts/db-generate.mjs';

const root = new URL('../../', import.meta.url).pathname;

describe('generated clients', () => {
  it.each(PROVIDERS as string[])(
    '%s: loads its query compiler through require and releases the base64 module',
    (provider) => {
      const source = readFileSync(`${root}src/store/generated/${provider}/internal/class.ts`, 'utf8');
      expect(source).not.toMatch(/import\("@prisma\/client\/runtime\/[\w.]+\.wasm-base64\.mjs"\)/);
      expect(source).toContain(
        `require.resolve("@prisma/client/runtime/query_compiler_small_bg.${provider}.wasm-base64.js")`,
      );
      expect(source).toContain('delete require.cache[id]');
    },
  );

  it('the patch refuses a client it does not recognise instead of leaving it unpatched', () => {
    expect(() => patchWasmLoader('export const nothing = 1\n')).toThrow(/update patchWasmLoader/);
  });
});
