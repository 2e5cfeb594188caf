/**
 * The last step of `pnpm test`: one plain line with the whole run's count, vitest's tests, the
 * infrastructure-file checks of `pnpm check:infra`, and one per service that `pnpm fuzz:api` checked, e.g. `tests: 1010 passed, 0 failed`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

export const RESULT_FILES = {
  vitest: join(root, '.data', 'test-results', 'vitest.json'),
  infra: join(root, '.data', 'test-results', 'check-infra.json'),
  fuzz: join(root, '.data', 'test-results', 'fuzz-api.json'),
} as const;

export interface RunCount {
  passed: number;
  failed: number;
}

function read(file: string): RunCount {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunCount>;
    if (typeof parsed.passed === 'number' && typeof parsed.failed === 'number') {
      return { passed: parsed.passed, failed: parsed.failed };
    }
  } catch {
    // Reported below: a missing count is a step that did not run.
  }
  throw new Error(`test-summary: no result count in ${file}; did that step run?`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const counts = Object.values(RESULT_FILES).map(read);
    const passed = counts.reduce((sum, c) => sum + c.passed, 0);
    const failed = counts.reduce((sum, c) => sum + c.failed, 0);
    console.log(`tests: ${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
