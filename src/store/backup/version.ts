// This Steward's version (package.json), recorded in every backup's manifest.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../dialect.js';

export function stewardVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
