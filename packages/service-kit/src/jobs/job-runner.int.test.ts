import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { RunningService } from '../build-service.js';
import { startTestService } from '../testing/test-service.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';
import { JobRunner, type JobDefinition } from './job-runner.js';

let service: RunningService;
beforeAll(async () => {
  service = await startTestService(widgetFixtureService, { kafka: false, runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const runnerFor = (job: JobDefinition): JobRunner =>
  new JobRunner(job, {
    schema: 'kit_fixture',
    dataSource: service.ctx.dataSource,
    logger: pino({ level: 'silent' }),
  });

describe('JobRunner', () => {
  it('a single-active job runs in one runner at a time across runners (processes)', async () => {
    const release = gate();
    const started = gate();
    let runs = 0;
    const job: JobDefinition = {
      name: `exclusive-${Date.now()}`,
      intervalMs: 0,
      singleActive: true,
      async run() {
        runs += 1;
        started.open();
        await release.opened;
      },
    };
    const [first, second] = [runnerFor(job), runnerFor(job)];
    const running = first.runOnce();
    await started.opened;
    expect(await second.runOnce()).toBe(false); // the lock is held by the other runner
    release.open();
    expect(await running).toBe(true);
    expect(await second.runOnce()).toBe(true); // and free again afterwards
    expect(runs).toBe(2);
  });

  it('records a failing run in its status and rejects runOnce', async () => {
    const runner = runnerFor({
      name: `failing-${Date.now()}`,
      intervalMs: 0,
      singleActive: false,
      run: () => Promise.reject(new Error('disk on fire')),
    });
    await expect(runner.runOnce()).rejects.toThrow('disk on fire');
    expect(runner.status()).toMatchObject({ runs: 1, lastError: 'disk on fire' });
  });

  it('runs on its interval once started, and stop() waits for the run in progress', async () => {
    let runs = 0;
    const runner = runnerFor({
      name: `timer-${Date.now()}`,
      intervalMs: 20,
      singleActive: false,
      async run() {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
      },
    });
    runner.start();
    await expect.poll(() => runs, { timeout: 5_000, interval: 10 }).toBeGreaterThanOrEqual(2);
    await runner.stop();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(after);
  });

  it('a wakeOn job runs at once on a NOTIFY of its channel instead of waiting out its pause', async () => {
    let runs = 0;
    const channel = `kit_wake_${Date.now()}`;
    const job: JobDefinition = {
      name: `wake-${Date.now()}`,
      // An hour: any run within this test is a wake-up.
      intervalMs: 3_600_000,
      singleActive: false,
      wakeOn: channel,
      run() {
        runs += 1;
        return Promise.resolve();
      },
    };
    const runner = new JobRunner(job, {
      schema: 'kit_fixture',
      dataSource: service.ctx.dataSource,
      logger: pino({ level: 'silent' }),
      databaseUrl: service.ctx.env.DATABASE_URL,
    });
    runner.start();
    // The LISTEN connection comes up in the background: notify until a run happens.
    await expect
      .poll(
        async () => {
          await service.ctx.dataSource.query(`NOTIFY ${channel}`);
          return runs;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(1);
    // Each later wake runs it again, long before its interval.
    const before = runs;
    await service.ctx.dataSource.query(`NOTIFY ${channel}`);
    await expect.poll(() => runs, { timeout: 30_000, interval: 20 }).toBeGreaterThan(before);
    await runner.stop();
    const after = runs;
    await service.ctx.dataSource.query(`NOTIFY ${channel}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toBe(after);
  });
});
