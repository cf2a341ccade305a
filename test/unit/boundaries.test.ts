// Architecture rules that must keep holding as the code grows.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'generated') return [];
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);

describe('boundaries', () => {
  const core = files(join(root, 'src/core'));

  it('src/core imports no platform SDK, ORM or outer layer', () => {
    expect(core.length).toBeGreaterThan(5);
    const forbidden = /^(@slack\/|discord\.js|@discordjs\/|@prisma\/|prisma|pg$|better-sqlite3|pino|prom-client)|\/(store|adapters|render|scheduler)\//;
    const offenders = core.flatMap((f) => importsOf(f).filter((i) => forbidden.test(i)).map((i) => `${relative(root, f)} → ${i}`));
    expect(offenders).toEqual([]);
  });

  it('only src/config reads process.env', () => {
    const all = files(join(root, 'src'));
    const offenders = all.filter((f) => !f.includes('/src/config/') && /process\.env\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('the boundary check itself catches a forbidden import', () => {
    // Guards the regex above against silently matching nothing.
    const sample = "import { App } from '@slack/bolt';\nimport type { X } from '../store/index.js';";
    const found = [...sample.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(found.filter((i) => /^(@slack\/)|\/(store)\//.test(i))).toHaveLength(2);
  });

  it('no source module passes 400 lines', () => {
    const big = files(join(root, 'src'))
      .map((f) => ({ f: relative(root, f), n: readFileSync(f, 'utf8').split('\n').length }))
      .filter((x) => x.n > 400);
    expect(big).toEqual([]);
  });
});
