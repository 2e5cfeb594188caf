import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../build-service.js';
import { bearer, startTestService } from '../testing/test-service.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';

const lines: { msg?: string; req?: { url?: string }; level: number }[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(JSON.parse(line) as (typeof lines)[number]);
    }
    done();
  },
});

let service: RunningService;
beforeAll(async () => {
  service = await startTestService(widgetFixtureService, {
    runConsumers: false,
    env: { LOG_LEVEL: 'info' },
    logStream: sink,
  });
});
afterAll(async () => {
  await service.close();
});

describe('request logging', () => {
  it('does not log health and readiness probes at info, but logs API requests', async () => {
    lines.length = 0;
    expect((await service.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await service.app.inject({
      method: 'GET',
      url: '/v1/widgets/00000000-0000-4000-8000-000000000000',
      headers: bearer('tenant-logs', ['read']),
    });
    const urls = lines.map((line) => line.req?.url).filter(Boolean);
    expect(urls).not.toContain('/healthz');
    expect(urls).not.toContain('/readyz');
    expect(urls).toContain('/v1/widgets/00000000-0000-4000-8000-000000000000');
  });
});
