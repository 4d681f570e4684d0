import type { Reporter, TestCase } from 'vitest/node';

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after a run, so that
 * any log reader that knows no vitest output can still count the outcome.
 */
export default class CountReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestCaseResult(testCase: TestCase): void {
    const state = testCase.result().state;
    if (state === 'passed') this.passed += 1;
    else if (state === 'failed') this.failed += 1;
    else this.skipped += 1;
  }

  onTestRunEnd(): void {
    console.log(`tests: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`);
  }
}
