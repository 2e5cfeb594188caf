import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dlqTopicFor, topicFor } from '@obs/event-envelope';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { widgetMessage } from '../../test/fixture-events.js';
import {
  REPAIRABLE_PREFIX,
  repairWidget,
  widgetFixtureService,
} from '../../test/widget-fixture.service.js';
import { startTestService } from '../testing/index.js';

const run = promisify(execFile);
const infra = inject('infra');
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = topicFor('DashboardDefined');
const tenant = 'tenant-dlq-cli';

/** `pnpm dlq …` as an operator runs it: the real script, in its own process, on the bus's env. */
async function dlq(kafka: boolean, ...args: string[]) {
  const env = {
    ...process.env,
    DATABASE_URL: infra.databaseUrl,
    KAFKA_BROKERS: kafka ? infra.kafkaBrokers : '',
  };
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'tools/dlq.ts', ...args],
      { cwd: root, env, timeout: 120_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe.each([
  ['Kafka', true],
  ['the PostgreSQL event log', false],
])('pnpm dlq over %s', (_name, kafka) => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startTestService(widgetFixtureService, {
      kafka,
      env: { CONSUMER_MAX_ATTEMPTS: '2', CONSUMER_BACKOFF_MS: '20' },
    });
  });
  afterAll(async () => {
    await service.close();
  });

  const effects = async (name: string): Promise<number> =>
    (
      await service.ctx.dataSource.query<unknown[]>(
        'SELECT 1 FROM kit_fixture.effects WHERE widget_name = $1',
        [name],
      )
    ).length;

  it('lists a dead letter with its error, shows it, and a replay after the fix applies it once', async () => {
    const name = `${REPAIRABLE_PREFIX}${kafka ? 'k' : 'p'}-${Date.now()}`;
    const message = widgetMessage(tenant, name);
    const eventId = (JSON.parse(message.value) as { eventId: string }).eventId;
    await service.ctx.bus.publish([message]);

    await expect
      .poll(async () => (await dlq(kafka, 'list', TOPIC)).stdout, {
        timeout: 90_000,
        interval: 500,
      })
      .toContain(eventId);
    const listed = (await dlq(kafka, 'list', dlqTopicFor(TOPIC))).stdout
      .split('\n')
      .find((line) => line.startsWith(eventId));
    expect(listed).toContain('DashboardDefined');
    expect(listed).toContain('attempts=1');
    expect(listed).toContain('replays=0');
    expect(listed).toContain('consumer=kit-fixture-service.widget-effects');
    expect(listed).toContain(`cannot apply ${name} yet`);

    const shown = await dlq(kafka, 'show', TOPIC, '--id', eventId);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      eventId,
      envelope: { eventId, payload: { name } },
      headers: { 'dlq-attempts': '1' },
    });
    expect(await effects(name)).toBe(0);

    repairWidget(name); // the fix is deployed
    const replayed = await dlq(kafka, 'replay', TOPIC, '--id', eventId);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`replayed 1 record(s) to ${TOPIC}`);
    await expect.poll(() => effects(name), { timeout: 60_000, interval: 200 }).toBe(1);

    // A second replay reaches the consumer again; its inbox applies the eventId once.
    expect((await dlq(kafka, 'replay', TOPIC, '--id', eventId)).code).toBe(0);
    const marker = `after-${name}`;
    await service.ctx.bus.publish([widgetMessage(tenant, marker, message.key)]);
    await expect.poll(() => effects(marker), { timeout: 60_000, interval: 200 }).toBe(1);
    expect(await effects(name)).toBe(1);
  });

  it('names what is wrong: an unknown id exits 1, a missing argument prints the usage and exits 2', async () => {
    const unknown = await dlq(kafka, 'show', TOPIC, '--id', 'no-such-event');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no dead letter with eventId no-such-event on ${TOPIC}`);
    const usage = await dlq(kafka, 'replay', TOPIC);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: pnpm dlq list <topic>');
  });
});

describe('pnpm dlq without a bus', () => {
  it('exits 2 naming KAFKA_BROKERS and DATABASE_URL', async () => {
    const { code, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'tools/dlq.ts', 'list', TOPIC],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: '', KAFKA_BROKERS: '' },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(code).toBe(2);
    expect(stderr).toContain('Set KAFKA_BROKERS or DATABASE_URL');
  });
});
