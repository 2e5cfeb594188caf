import type { Reporter, TestModule } from 'vitest/node';

/**
 * Fails the run when any test was skipped or left as todo: a skipped integration test is a missing
 * one, so the suite must not pass with it.
 */
export default class NoSkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        if (test.result().state === 'skipped') skipped.push(`${mod.moduleId} > ${test.fullName}`);
      }
    }
    if (skipped.length > 0) {
      process.exitCode = 1;
      console.error(`\nno-skip: ${skipped.length} test(s) were skipped; skipping is not allowed:`);
      for (const name of skipped) console.error(`  - ${name}`);
    }
  }
}
