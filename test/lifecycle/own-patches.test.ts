// Steward's own third-party components: `sbom` writes a CycloneDX 1.6 SBOM of its lockfile (what
// it installs, with versions, purls, hashes, licences and who depends on whom), and Steward's own
// `npm audit --json` report imports into its own patch SLA as the service `steward`, as the README
// shows: a captured npm audit report (../shared/fixtures, read in place) gets its deadline, and the
// next, clean report closes it as fixed.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM_AUDIT = fileURLToPath(new URL('../../../shared/fixtures/scanners/npm-audit/', import.meta.url));
const DAY = 86_400_000;

describe("Steward's own components", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'steward-own-'));
  const policy = path.join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    readFileSync(new URL('../fixtures/lifecycle.policy.yaml', import.meta.url), 'utf8').replaceAll(
      '{{sha:ci-steward}}',
      createHash('sha256').update('unused').digest('hex'),
    ),
  );
  const env = { DATABASE_URL: `file:${path.join(dir, 'steward.db')}`, STEWARD_CONFIG: policy, NODE_ENV: 'test' };

  it(
    'sbom: a CycloneDX 1.6 document of the lockfile, production dependencies by default',
    { timeout: 60_000 },
    async () => {
      const out = path.join(dir, 'sbom.json');
      const r = await runCli(['sbom', '--out', out], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const bom = JSON.parse(readFileSync(out, 'utf8'));
      const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
      expect(r.stdout).toBe(`SBOM written: ${out} (CycloneDX 1.6, ${bom.components.length} components)\n`);
      expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
      expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(bom.metadata.component).toMatchObject({ type: 'application', name: pkg.name, version: pkg.version });
      const byPurl = new Map<string, any>(bom.components.map((c: any) => [c.purl, c]));
      // Every dependency of package.json, at the version the lockfile installs, with its integrity.
      for (const name of Object.keys(pkg.dependencies)) {
        const locked = lock.packages[`node_modules/${name}`];
        const purl = `pkg:npm/${name.replace('@', '%40')}@${locked.version}`;
        const c = byPurl.get(purl);
        expect(c, purl).toBeDefined();
        const sha512 = Buffer.from(locked.integrity.slice('sha512-'.length), 'base64').toString('hex');
        expect(c.hashes).toEqual([{ alg: 'SHA-512', content: sha512 }]);
      }
      const root = bom.dependencies.find((d: any) => d.ref === bom.metadata.component['bom-ref']);
      expect(root.dependsOn).toHaveLength(Object.keys(pkg.dependencies).length);
      // Transitive: age-encryption depends on @noble/ciphers.
      const age = bom.dependencies.find((d: any) => d.ref.startsWith('pkg:npm/age-encryption@'));
      expect(age.dependsOn.some((r: string) => r.startsWith('pkg:npm/%40noble/ciphers@'))).toBe(true);
      expect(byPurl.has(`pkg:npm/vitest@${lock.packages['node_modules/vitest'].version}`)).toBe(false);
      expect(bom.components.find((c: any) => c.name === 'zod').licenses).toEqual([{ license: { id: 'MIT' } }]);

      const dev = await runCli(['sbom', '--dev'], env);
      const all = JSON.parse(dev.stdout);
      const vitest = all.components.find((c: any) => c.name === 'vitest');
      expect(vitest).toMatchObject({ scope: 'excluded', version: lock.packages['node_modules/vitest'].version });
    },
  );

  const fixtures = existsSync(NPM_AUDIT);
  if (!fixtures)
    console.warn(`npm audit fixtures not found at ${NPM_AUDIT}: the import of Steward's own report is not tested`);
  it.runIf(fixtures)(
    "Steward's own npm audit report goes into its own patch SLA as the service steward",
    { timeout: 60_000 },
    async () => {
      const first = await runCli(
        ['import', path.join(NPM_AUDIT, 'v2.critical-direct.audit-ci.json'), '--service', 'steward'],
        env,
      );
      expect(first.stderr).toBe('');
      expect(first).toMatchObject({
        code: 0,
        stdout: 'steward: npm-audit, 1 new, 0 unchanged, 0 fixed, 0 reopened, 0 suppressed\n',
      });
      const store = await openStore({ url: env.DATABASE_URL });
      try {
        const [f] = (await store.transaction((tx) => tx.findings.listOpen({ serviceIds: ['steward'] }, 0, 10)))
          .findings;
        expect(f).toMatchObject({ serviceId: 'steward', packageName: 'open', severity: 'critical', state: 'open' });
        // patches.sla.critical: 7 days from when it was first seen.
        expect(f!.deadline!.getTime() - f!.firstSeenAt.getTime()).toBe(7 * DAY);
      } finally {
        await store.close();
      }
      // After `npm update`, the next report is clean: the finding is closed as fixed.
      const clean = await runCli(
        ['import', path.join(NPM_AUDIT, 'v2.no-vulnerabilities.audit-ci.json'), '--service', 'steward'],
        env,
      );
      expect(clean).toMatchObject({
        code: 0,
        stdout: 'steward: npm-audit, 0 new, 0 unchanged, 1 fixed, 0 reopened, 0 suppressed\n',
      });
    },
  );
});
