import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A latch a polling loop waits on: `wait(ms)` ends on timeout or on `notify()`. A notification that
 * arrives while nobody waits is remembered, so a NOTIFY received during a query is never lost and
 * the loop does not sit out a whole poll interval.
 */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | undefined;

  notify(): void {
    if (this.waiter) {
      this.waiter();
    } else {
      this.pending = true;
    }
  }

  async wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const controller = new AbortController();
    await new Promise<void>((resolve) => {
      this.waiter = resolve;
      sleep(ms, undefined, { signal: controller.signal }).then(resolve, resolve);
    });
    this.waiter = undefined;
    controller.abort();
  }
}

/** Sleeps unless `signal` aborts first; never rejects, so shutdown needs no special casing. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
