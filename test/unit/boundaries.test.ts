// Architecture rules that must keep holding as the code grows.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'generated') return [];
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const importsOf = (text: string) =>
  [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );

/** Packages and outer layers the core never imports. */
const FORBIDDEN =
  /^(@slack\/|discord\.js|@discordjs\/|@prisma\/|prisma|pg$|better-sqlite3|pino|prom-client|node:fs|fs$)|\/(store|adapters|render|scheduler|observability|config)\//;

interface SourceFile {
  /** Path relative to the repository, e.g. src/core/paging/service.ts */
  path: string;
  imports: string[];
}

/**
 * The domain rule: a domain is a folder of src/core holding a module.ts. A domain's files import
 * the kernel (everything in src/core outside the domains) and, of another domain, only its
 * links.ts (the small interface it declares); kernel files import no domain at all, except the
 * policy schema (src/core/policy/), which composes each domain's policy-section.ts.
 */
function domainViolations(sources: SourceFile[]): string[] {
  const domains = new Set(
    sources.filter((f) => /^src\/core\/[^/]+\/module\.ts$/.test(f.path)).map((f) => f.path.split('/')[2]),
  );
  const domainOf = (p: string) =>
    p.startsWith('src/core/') && domains.has(p.split('/')[2]) ? p.split('/')[2] : undefined;
  const out: string[] = [];
  for (const f of sources) {
    if (!f.path.startsWith('src/core/')) continue;
    const own = domainOf(f.path);
    for (const spec of f.imports.filter((i) => i.startsWith('.'))) {
      const target = relative(root, resolve(root, dirname(f.path), spec)).replace(/\.js$/, '.ts');
      const theirs = domainOf(target);
      if (!theirs || theirs === own) continue;
      if (own && target.endsWith('/links.ts')) continue;
      if (f.path.startsWith('src/core/policy/') && target.endsWith('/policy-section.ts')) continue;
      out.push(`${f.path} → ${target}${own ? '' : ' (the kernel imports a domain)'}`);
    }
  }
  return out;
}

/**
 * The entry rule: adapters and the composition root reach the domains only through what the
 * modules declare (registry, Steward): no file of src/adapters, and not src/app.ts or src/cli.ts,
 * imports a domain folder of src/core. (src/modules.ts lists the standard modules: that is its job.)
 */
function entryViolations(sources: SourceFile[]): string[] {
  const domains = new Set(
    sources.filter((f) => /^src\/core\/[^/]+\/module\.ts$/.test(f.path)).map((f) => f.path.split('/')[2]),
  );
  const outer = (p: string) =>
    p.startsWith('src/adapters/') || p === 'src/app.ts' || p === 'src/cli.ts' || p === 'src/main.ts';
  const out: string[] = [];
  for (const f of sources.filter((x) => outer(x.path))) {
    for (const spec of f.imports.filter((i) => i.startsWith('.'))) {
      const target = relative(root, resolve(root, dirname(f.path), spec)).replace(/\.js$/, '.ts');
      const parts = target.split('/');
      if (parts[0] === 'src' && parts[1] === 'core' && parts.length > 3 && domains.has(parts[2]))
        out.push(`${f.path} → ${target}`);
    }
  }
  return out;
}

describe('boundaries', () => {
  const core = files(join(root, 'src/core'));
  const sources: SourceFile[] = files(join(root, 'src')).map((f) => ({
    path: relative(root, f),
    imports: importsOf(readFileSync(f, 'utf8')),
  }));

  it('src/core imports no platform SDK, ORM, file system or outer layer (store, adapters, render, scheduler, observability, config)', () => {
    expect(core.length).toBeGreaterThan(5);
    const offenders = sources
      .filter((f) => f.path.startsWith('src/core/'))
      .flatMap((f) => f.imports.filter((i) => FORBIDDEN.test(i)).map((i) => `${f.path} → ${i}`));
    expect(offenders).toEqual([]);
  });

  it('domains import the kernel and each other only through links.ts; the kernel imports no domain', () => {
    expect(domainViolations(sources)).toEqual([]);
    // The rule sees the domains there are.
    for (const d of ['catalog', 'incidents', 'paging', 'oncall'])
      expect(existsSync(join(root, `src/core/${d}/module.ts`)), d).toBe(true);
  });

  it('adapters and the composition root import no domain: HTTP routes and CLI commands come from the registry', () => {
    expect(entryViolations(sources)).toEqual([]);
    const tree: SourceFile[] = [
      { path: 'src/core/alpha/module.ts', imports: [] },
      {
        path: 'src/adapters/http/alpha.ts',
        imports: ['../../core/alpha/service.js', '../../core/entry.js', '../../core/steward.js'],
      },
      { path: 'src/app.ts', imports: ['./core/alpha/links.js', './core/policy/reload.js'] },
      { path: 'src/modules.ts', imports: ['./core/alpha/module.js'] },
    ];
    expect(entryViolations(tree)).toEqual([
      'src/adapters/http/alpha.ts → src/core/alpha/service.ts',
      'src/app.ts → src/core/alpha/links.ts',
    ]);
  });

  it('only src/config reads process.env', () => {
    const all = files(join(root, 'src'));
    const offenders = all
      .filter((f) => !f.includes('/src/config/') && /process\.env\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('the core reads no platform’s mention syntax and no database internals: adapters hand it neutral mentions', () => {
    // A pattern that parses `<@U…>` or `<@!…>`, or a reach into Prisma's private fields or the SQL dialect.
    const PLATFORM_SYNTAX = /\/\^?<@|<@!\?|<@\(|_activeProvider|\bdialect\b/;
    const offenders = files(join(root, 'src/core'))
      .filter((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .some((l) => !/^\s*(\/\/|\*)/.test(l) && PLATFORM_SYNTAX.test(l)),
      )
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
    // The rule sees such a pattern.
    expect(PLATFORM_SYNTAX.test('const m = /^<@!?([A-Z0-9]+)>$/.exec(t);')).toBe(true);
    // One platform list: the platform enum is written once.
    const lists = files(join(root, 'src'))
      .filter((f) => /\[\s*'slack',\s*'discord',\s*'console'\s*\]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(lists).toEqual(['src/core/platform.ts']);
  });

  it('the checks themselves catch what they forbid', () => {
    const sample =
      "import { App } from '@slack/bolt';\nimport type { X } from '../store/index.js';\nimport { m } from '../../observability/metrics.js';\nimport { ok } from '../errors.js';\nimport type { Policy } from '../../config/policy-schema.js';";
    expect(importsOf(sample).filter((i) => FORBIDDEN.test(i))).toEqual([
      '@slack/bolt',
      '../store/index.js',
      '../../observability/metrics.js',
      '../../config/policy-schema.js',
    ]);
    const tree: SourceFile[] = [
      { path: 'src/core/alpha/module.ts', imports: [] },
      { path: 'src/core/beta/module.ts', imports: [] },
      {
        path: 'src/core/alpha/service.ts',
        imports: ['../beta/service.js', '../beta/links.js', '../errors.js', './model.js'],
      },
      { path: 'src/core/beta/cards.ts', imports: ['../alpha/model.js'] },
      { path: 'src/core/steward.ts', imports: ['./alpha/module.js', './registry.js'] },
      { path: 'src/core/chat/gateway.ts', imports: ['../beta/links.js'] },
      { path: 'src/core/policy/schema.ts', imports: ['../beta/policy-section.js', '../beta/cards.js'] },
      { path: 'src/modules.ts', imports: ['./core/alpha/module.js'] },
    ];
    expect(domainViolations(tree)).toEqual([
      'src/core/alpha/service.ts → src/core/beta/service.ts',
      'src/core/beta/cards.ts → src/core/alpha/model.ts',
      'src/core/steward.ts → src/core/alpha/module.ts (the kernel imports a domain)',
      'src/core/chat/gateway.ts → src/core/beta/links.ts (the kernel imports a domain)',
      'src/core/policy/schema.ts → src/core/beta/cards.ts (the kernel imports a domain)',
    ]);
  });

  it('no source module passes 24,000 characters (about 400 dense lines; counted in characters so formatting does not move it)', () => {
    const big = files(join(root, 'src'))
      .map((f) => ({ f: relative(root, f), n: readFileSync(f, 'utf8').length }))
      .filter((x) => x.n > 24_000);
    expect(big).toEqual([]);
  });
});
