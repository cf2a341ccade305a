// What the patches module offers outside itself (read through Kernel.link / Steward.part).
import type { Directory } from '../directory.js';

export const PATCH_DEADLINES = 'patches.deadlines';

export interface PatchDeadlines {
  /** Recomputes every open finding's deadline under `dir`'s policy; returns how many moved. */
  recomputeDeadlines(dir: Directory): Promise<number>;
}
