/** A clock the test moves by hand: jobs and schedulers see time pass without anyone sleeping. */
export class TestClock {
  constructor(public nowMs = Date.parse('2030-01-01T00:00:00.000Z')) {}

  /** Pass as `clock` to startTestService. */
  readonly now = (): number => this.nowMs;

  iso(offsetMinutes = 0): string {
    return new Date(this.nowMs + offsetMinutes * 60_000).toISOString();
  }

  advanceMinutes(minutes: number): void {
    this.nowMs += minutes * 60_000;
  }
}
