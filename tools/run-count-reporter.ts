import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { RESULT_FILES } from './test-summary.js';

/**
 * Writes how many tests passed and failed, for `tools/test-summary.ts`: `pnpm test` ends with one
 * plain `tests: N passed, N failed` line, which a reader of the log (or CI) can take as the count,
 * rather than guessing it from the last runner's own closing words.
 */
export default class RunCountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
      }
    }
    mkdirSync(dirname(RESULT_FILES.vitest), { recursive: true });
    writeFileSync(RESULT_FILES.vitest, JSON.stringify({ passed, failed }));
  }
}
