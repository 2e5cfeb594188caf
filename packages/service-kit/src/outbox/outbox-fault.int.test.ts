import { startKafkaBroker, stopKafkaBroker } from '@obs/local-infra';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';
import { bearer, startTestService } from '../testing/index.js';

const write = bearer('tenant-fault', ['write']);
let service: RunningService;

beforeAll(async () => {
  service = await startTestService(widgetFixtureService, { env: { OUTBOX_POLL_MS: '200' } });
});
afterAll(async () => {
  await startKafkaBroker(inject('infra').controlUrl); // never leave the shared broker down
  await service.close();
});

const count = async (sql: string, params: unknown[]): Promise<number> => {
  const rows: { n: string }[] = await service.ctx.dataSource.query(sql, params);
  return Number(rows[0]?.n ?? 0);
};

describe('outbox under a Kafka outage', () => {
  it('accepts writes while the broker is down, then delivers every event exactly once', async () => {
    const run = `outage-${Date.now()}-`;
    const names = Array.from({ length: 10 }, (_, i) => `${run}${i}`);
    await stopKafkaBroker(inject('infra').controlUrl);

    for (const name of names) {
      const res = await service.app.inject({
        method: 'POST',
        url: '/v1/widgets',
        headers: write,
        payload: { name, panelCount: 1 },
      });
      expect(res.statusCode).toBe(201);
    }
    const pending = await count(
      `SELECT count(*) AS n FROM kit_fixture.outbox WHERE sent_at IS NULL AND envelope LIKE $1`,
      [`%${run}%`],
    );
    expect(pending).toBe(names.length);

    await startKafkaBroker(inject('infra').controlUrl);
    await expect
      .poll(
        () =>
          count(
            'SELECT count(DISTINCT widget_name) AS n FROM kit_fixture.effects WHERE widget_name LIKE $1',
            [`${run}%`],
          ),
        {
          timeout: 90_000,
          interval: 250,
        },
      )
      .toBe(names.length);
    expect(
      await count('SELECT count(*) AS n FROM kit_fixture.effects WHERE widget_name LIKE $1', [
        `${run}%`,
      ]),
    ).toBe(names.length);
    expect(
      await count(`SELECT count(*) AS n FROM kit_fixture.outbox WHERE sent_at IS NULL`, []),
    ).toBe(0);
  });
});
