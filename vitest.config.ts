import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Prepares a migrated template database per dialect (test/support/db-templates.ts); tests copy it.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: most tests wait on the databases, child processes and sockets rather
    // than on the CPU (the default is one fewer than the CPUs, which is one here).
    maxWorkers: 2,
    reporters: ['default'],
  },
});
