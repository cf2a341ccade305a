// Steward's own software bill of materials: CycloneDX 1.6 JSON built from package-lock.json (every
// package the lockfile installs, with its version, purl, SHA-512 and licence, and who depends on
// whom), so that an operator can feed it to the tools that track third-party components.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Enums, Models, Serialize, Spec, SPDX } from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';

interface LockPackage {
  name?: string;
  version?: string;
  integrity?: string;
  license?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion?: number;
  packages?: Record<string, LockPackage>;
}

/** `node_modules/@scope/name` or `…/node_modules/a/node_modules/b` → the package name. */
const nameAt = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Where npm finds `dep` from the package at `from`: its own node_modules, then each parent's. */
function resolve(packages: Record<string, LockPackage>, from: string, dep: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

function purlOf(name: string, version: string): string {
  const [scope, bare] = name.startsWith('@') ? (name.split('/', 2) as [string, string]) : [undefined, name];
  return new PackageURL('npm', scope, bare, version, undefined, undefined).toString();
}

function licenseOf(text: string): Models.License {
  if (SPDX.isSupportedSpdxId(text)) return new Models.SpdxLicense(text);
  if (/\s(OR|AND|WITH)\s/.test(text)) return new Models.LicenseExpression(text);
  return new Models.NamedLicense(text);
}

export interface SbomOptions {
  /** Include development dependencies (scope `excluded`: not part of what runs). */
  dev?: boolean;
  now?: Date;
}

/** The CycloneDX 1.6 JSON document of the project whose package-lock.json is in `root`. */
export function buildSbom(root: string, opts: SbomOptions = {}): string {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const packages = lock.packages;
  if (!packages || (lock.lockfileVersion ?? 0) < 2)
    throw new Error('package-lock.json has no "packages" section (lockfile version 2 or later is needed)');
  const rootPkg = packages[''] ?? {};
  const bom = new Models.Bom();
  bom.serialNumber = `urn:uuid:${randomUUID()}`;
  bom.metadata.timestamp = opts.now ?? new Date();
  const app = new Models.Component(Enums.ComponentType.Application, rootPkg.name ?? lock.name ?? 'steward', {
    version: rootPkg.version ?? lock.version,
    bomRef: purlOf(rootPkg.name ?? lock.name ?? 'steward', rootPkg.version ?? lock.version ?? '0.0.0'),
    purl: purlOf(rootPkg.name ?? lock.name ?? 'steward', rootPkg.version ?? lock.version ?? '0.0.0'),
  });
  if (rootPkg.license) app.licenses.add(licenseOf(rootPkg.license));
  bom.metadata.component = app;

  const byKey = new Map<string, Models.Component>();
  const byPurl = new Map<string, Models.Component>();
  for (const [key, p] of Object.entries(packages)) {
    if (!key || p.link || !p.version) continue;
    if (p.dev && !opts.dev) continue;
    const name = p.name ?? nameAt(key);
    const purl = purlOf(name, p.version);
    let c = byPurl.get(purl);
    if (!c) {
      const [group, bare] = name.startsWith('@') ? (name.split('/', 2) as [string, string]) : [undefined, name];
      c = new Models.Component(Enums.ComponentType.Library, bare, {
        group,
        version: p.version,
        bomRef: purl,
        purl,
        scope: p.dev ? Enums.ComponentScope.Excluded : p.optional ? Enums.ComponentScope.Optional : undefined,
      });
      const sha512 = p.integrity?.startsWith('sha512-') ? Buffer.from(p.integrity.slice(7), 'base64') : undefined;
      if (sha512) c.hashes.set(Enums.HashAlgorithm['SHA-512'], sha512.toString('hex'));
      if (p.license) c.licenses.add(licenseOf(p.license));
      byPurl.set(purl, c);
      bom.components.add(c);
    }
    byKey.set(key, c);
  }
  const link = (from: string, deps: Record<string, string> | undefined, to: Models.Component) => {
    for (const dep of Object.keys(deps ?? {})) {
      const key = resolve(packages, from, dep);
      const c = key ? byKey.get(key) : undefined;
      if (c && c !== to) to.dependencies.add(c.bomRef);
    }
  };
  link(
    '',
    {
      ...rootPkg.dependencies,
      ...(opts.dev ? (rootPkg as { devDependencies?: Record<string, string> }).devDependencies : {}),
    },
    app,
  );
  for (const [key, c] of byKey) {
    const p = packages[key]!;
    link(key, { ...p.dependencies, ...p.optionalDependencies }, c);
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 2 }) + '\n';
}
