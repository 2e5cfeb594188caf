import { defineConfig } from 'vitest/config';

// Three projects, chosen by file suffix (docs/design.md#tests). Vitest 4 replaced
// vitest.workspace.ts with `test.projects`; this file is that equivalent.
const infraSetup = './packages/local-infra/src/vitest-global-setup.ts';

export default defineConfig({
  test: {
    reporters: ['default', './tools/no-skip-reporter.ts', './tools/run-count-reporter.ts'],
    allowOnly: false,
    passWithNoTests: false,
    coverage: {
      provider: 'v8',
      include: ['packages/domain/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/index.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 90 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          // Property tests run hundreds of cases; a loaded machine must not turn them into timeouts.
          testTimeout: 30_000,
          include: [
            'packages/**/*.unit.test.ts',
            'services/**/*.unit.test.ts',
            'tools/**/*.unit.test.ts',
          ],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: [
            'packages/**/*.int.test.ts',
            'services/**/*.int.test.ts',
            'tools/**/*.int.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: [infraSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The `int` suite on servers from testcontainers (needs Docker): `pnpm test:containers`,
        // which sets OBS_INFRA=containers. Not part of `pnpm test` (no Docker engine here).
        test: {
          name: 'containers',
          include: [
            'packages/**/*.int.test.ts',
            'services/**/*.int.test.ts',
            'tools/**/*.int.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: [infraSetup],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: [
            'e2e/**/*.e2e.test.ts',
            'services/**/*.e2e.test.ts',
            'packages/**/*.e2e.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: [infraSetup],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
