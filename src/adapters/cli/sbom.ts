// `npm run steward -- sbom`: Steward's own CycloneDX SBOM (built by sbom-build.ts, loaded when asked for).
import { writeFileSync } from 'node:fs';
import { projectRoot } from '../../store/dialect.js';
import { type CliCommand, options } from './options.js';

export const SBOM_COMMANDS: Record<string, CliCommand> = {
  sbom: {
    usage:
      "sbom [--out <file>] [--dev] — Steward's CycloneDX SBOM from its package-lock.json (--dev: development dependencies too, scope excluded)",
    async run(args, _settings, io) {
      const o = options(args, ['out'], ['dev']);
      if (typeof o === 'string') {
        io.err(o);
        return 2;
      }
      if (o.rest.length) {
        io.err('usage: sbom [--out <file>] [--dev]');
        return 2;
      }
      const { buildSbom } = await import('./sbom-build.js');
      const text = buildSbom(projectRoot(), { dev: o.opts.dev === 'true' });
      if (o.opts.out) {
        writeFileSync(o.opts.out, text);
        const n = (JSON.parse(text) as { components?: unknown[] }).components?.length ?? 0;
        io.out(`SBOM written: ${o.opts.out} (CycloneDX 1.6, ${n} components)`);
      } else io.out(text.trimEnd());
      return 0;
    },
  },
};
