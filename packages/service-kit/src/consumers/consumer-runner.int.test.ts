import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DLQ_HEADERS, HEADERS, dlqTopicFor, topicFor } from '@obs/event-envelope';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import {
  FLAKY_PREFIX,
  POISON_PREFIX,
  STUCK_PREFIX,
  widgetFixtureService,
} from '../../test/widget-fixture.service.js';
import { widgetMessage } from '../../test/fixture-events.js';
import { startTestService, TEST_JWT_SECRET } from '../testing/index.js';

const tenant = 'tenant-consumer';

async function effectRows(
  service: RunningService,
  prefix: string,
): Promise<{ widget_name: string }[]> {
  return service.ctx.dataSource.query(
    'SELECT widget_name FROM kit_fixture.effects WHERE widget_name LIKE $1',
    [`${prefix}%`],
  );
}

/** The same guarantees over both event bus adapters: they sit below the runner's inbox and DLQ. */
describe.each([
  ['Kafka', true],
  ['the PostgreSQL event log', false],
])('consumer runner with inbox, retries and DLQ over %s', (_name, kafka) => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startTestService(widgetFixtureService, {
      kafka,
      env: { CONSUMER_MAX_ATTEMPTS: '3', CONSUMER_BACKOFF_MS: '50' },
    });
  });
  afterAll(async () => {
    await service.close();
  });

  it('applies a duplicated delivery exactly once', async () => {
    const run = `dup-${Date.now()}-`;
    const id = crypto.randomUUID();
    const message = widgetMessage(tenant, `${run}a`, id);
    // Same key, so the marker is behind both copies in the partition: once it is applied, so are they.
    await service.ctx.bus.publish([message, message, widgetMessage(tenant, `${run}marker`, id)]);
    await expect
      .poll(async () => (await effectRows(service, `${run}marker`)).length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(1);
    expect(await effectRows(service, `${run}a`)).toHaveLength(1);
  });

  /** Collects what reaches the DLQ of the fixture topic while `body` runs. */
  async function withDlq(
    body: (dead: { name: string; headers: Readonly<Record<string, string>> }[]) => Promise<void>,
  ): Promise<void> {
    const dead: { name: string; headers: Readonly<Record<string, string>> }[] = [];
    const dlq = await service.ctx.bus.subscribe(
      {
        groupId: `dlq-reader-${Date.now()}-${Math.random()}`,
        topics: [dlqTopicFor(topicFor('DashboardDefined'))],
        fromBeginning: true,
      },
      (message) => {
        const envelope = JSON.parse(message.value) as { payload?: { name?: string } };
        dead.push({ name: envelope.payload?.name ?? message.value, headers: message.headers });
        return Promise.resolve();
      },
    );
    try {
      await body(dead);
    } finally {
      await dlq.stop();
    }
  }

  const waitForEffect = (name: string) =>
    expect
      .poll(async () => (await effectRows(service, name)).length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(1);

  it('dead-letters a DomainError at once (one attempt), with the error in headers, and keeps flowing', async () => {
    const run = `${POISON_PREFIX}${Date.now()}`;
    const key = crypto.randomUUID();
    await withDlq(async (dead) => {
      const later = `after-${run}`;
      await service.ctx.bus.publish([
        widgetMessage(tenant, run, key),
        widgetMessage(tenant, later, key),
      ]);
      await waitForEffect(later);
      await expect
        .poll(() => dead.find((d) => d.name === run), { timeout: 30_000, interval: 100 })
        .toBeDefined();
      const record = dead.find((d) => d.name === run)!;
      expect(record.headers[DLQ_HEADERS.attempts]).toBe('1');
      expect(record.headers[DLQ_HEADERS.error]).toContain(`cannot apply ${run}`);
      expect(record.headers[DLQ_HEADERS.consumer]).toBe('kit-fixture-service.widget-effects');
      expect(await effectRows(service, run)).toHaveLength(0);
    });
  });

  it('dead-letters a payload that fails its schema at once', async () => {
    const run = `bad-schema-${Date.now()}`;
    const key = crypto.randomUUID();
    const good = widgetMessage(tenant, run, key);
    const envelope = JSON.parse(good.value) as { payload: Record<string, unknown> };
    envelope.payload.panelCount = 'many';
    await withDlq(async (dead) => {
      await service.ctx.bus.publish([
        { ...good, value: JSON.stringify(envelope) },
        widgetMessage(tenant, `after-${run}`, key),
      ]);
      await waitForEffect(`after-${run}`);
      await expect
        .poll(() => dead.find((d) => d.name === run), { timeout: 30_000, interval: 100 })
        .toBeDefined();
      const record = dead.find((d) => d.name === run)!;
      expect(record.headers[DLQ_HEADERS.attempts]).toBe('1');
      expect(record.headers[DLQ_HEADERS.error]).toContain('panelCount');
    });
  });

  it('retries a transient failure with backoff and applies the event once it passes', async () => {
    const run = `${FLAKY_PREFIX}${Date.now()}`;
    const runner = service.consumers[0]!;
    const retriedBefore = runner.stats.retried;
    const deadBefore = runner.stats.deadLettered;
    await service.ctx.bus.publish([widgetMessage(tenant, run)]);
    await waitForEffect(run);
    expect(runner.stats.retried - retriedBefore).toBe(2);
    expect(runner.stats.deadLettered).toBe(deadBefore);
  });

  it('dead-letters a transient failure after N attempts', async () => {
    const run = `${STUCK_PREFIX}${Date.now()}`;
    await withDlq(async (dead) => {
      await service.ctx.bus.publish([widgetMessage(tenant, run)]);
      await expect
        .poll(() => dead.find((d) => d.name === run), { timeout: 30_000, interval: 100 })
        .toBeDefined();
      expect(dead.find((d) => d.name === run)!.headers[DLQ_HEADERS.attempts]).toBe('3');
    });
  });

  it('skips and counts an event type or version it does not handle, never dead-lettering it', async () => {
    const run = `filtered-${Date.now()}`;
    const key = crypto.randomUUID();
    const runner = service.consumers[0]!;
    const before = { ...runner.stats };
    // A new type on the shared topic, whose value this consumer could not even parse ...
    const newType = {
      ...widgetMessage(tenant, `${run}-new-type`, key),
      value: '{"not":"an envelope this consumer knows"}',
      headers: { [HEADERS.eventType]: 'DashboardArchived', [HEADERS.tenantId]: tenant },
    };
    // ... and a version of its own type it does not handle yet.
    const v2 = widgetMessage(tenant, `${run}-v2`, key);
    const nextVersion = {
      ...v2,
      headers: { ...v2.headers, [HEADERS.eventVersion]: '2' },
    };
    await withDlq(async (dead) => {
      await service.ctx.bus.publish([
        newType,
        nextVersion,
        widgetMessage(tenant, `${run}-marker`, key),
      ]);
      await waitForEffect(`${run}-marker`);
      expect(runner.stats.skipped - before.skipped).toBe(2);
      expect(runner.stats.deadLettered).toBe(before.deadLettered);
      expect(await effectRows(service, `${run}-v2`)).toHaveLength(0);
      expect(dead.filter((d) => d.name.includes(run))).toHaveLength(0);
    });
  });
});

describe('consumer runner process crash over Kafka', () => {
  let service: RunningService;
  afterAll(async () => {
    await service.close();
  });

  it('a consumer killed mid-batch duplicates no effect after its replacement catches up', async () => {
    // Only the worker processes consume here; this instance only publishes.
    service = await startTestService(widgetFixtureService, { runConsumers: false });
    const run = `kill-${Date.now()}-`;
    const total = 300;
    const messages = Array.from({ length: total }, (_, i) => widgetMessage(tenant, `${run}${i}`));
    const worker = startWorker();
    try {
      await waitForReady(worker);
      await service.ctx.bus.publish(messages);
      await expect
        .poll(async () => (await effectRows(service, run)).length, {
          timeout: 60_000,
          interval: 20,
        })
        .toBeGreaterThan(20);
      worker.kill('SIGKILL');
      const appliedBeforeKill = (await effectRows(service, run)).length;
      expect(appliedBeforeKill).toBeLessThan(total);

      const replacement = startWorker();
      try {
        await waitForReady(replacement);
        await expect
          .poll(
            async () => new Set((await effectRows(service, run)).map((r) => r.widget_name)).size,
            {
              timeout: 90_000,
              interval: 200,
            },
          )
          .toBe(total);
        expect(await effectRows(service, run)).toHaveLength(total);
      } finally {
        replacement.kill('SIGTERM');
      }
    } finally {
      worker.kill('SIGKILL');
    }
  });
});

function startWorker(): ChildProcess {
  const infra = inject('infra');
  const script = fileURLToPath(new URL('../../test/consumer-worker.ts', import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: infra.databaseUrl,
      KAFKA_BROKERS: infra.kafkaBrokers,
      JWT_SECRET: TEST_JWT_SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('consumer worker did not start in 60 s')),
      60_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`consumer worker exited early with ${String(code)}`));
    });
  });
}
