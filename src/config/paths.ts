// Locates files shipped with Steward (manifests/, prisma/) from both src/ (tsx) and dist/src/ (built).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder holding Steward's package.json. */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'manifests'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Steward installation folder (package.json next to manifests/)');
    dir = up;
  }
  return (root = dir);
}

export const shippedFile = (...parts: string[]) => join(projectRoot(), ...parts);
