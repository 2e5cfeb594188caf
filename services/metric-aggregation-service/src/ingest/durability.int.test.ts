import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningService } from '@obs/service-kit';
import { TEST_JWT_SECRET, TestClock } from '@obs/service-kit/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  ingester,
  point,
  seriesOf,
  startMetricService,
  uniqueTenant,
} from '../../test/metric-test-kit.js';

const CHILD = fileURLToPath(new URL('../../test/service-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

function startChild(): Promise<{ child: ChildProcess; url: string }> {
  const infra = inject('infra');
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: infra.databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_MAX: '100000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
}

let verifier: RunningService | undefined;
afterAll(async () => {
  await verifier?.close();
});

describe('durability', () => {
  it('loses no acknowledged point when the process is killed right after the 2xx', async () => {
    const tenant = uniqueTenant('crash');
    const { child, url } = await startChild();
    const t0 = Date.now() - 120_000;
    const batches = 24;
    const acked: number[] = [];
    let killed = false;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const send = async (b: number) => {
      const points = Array.from({ length: 200 }, (_, i) => point(`crash.b${b}`, i + 1, t0 + i));
      try {
        const res = await fetch(`${url}/v1/metric-points`, {
          method: 'POST',
          headers: { ...ingester(tenant), 'content-type': 'application/json' },
          body: JSON.stringify({ points }),
        });
        if (res.status === 200) {
          acked.push(b);
          // SIGKILL at the 8th acknowledgement, with other batches still in flight.
          if (acked.length === 8 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      } catch {
        // The connection died with the process: not acknowledged, so promised nothing.
      }
    };
    await Promise.all(Array.from({ length: batches }, (_, b) => send(b)));
    await exited;
    expect(killed).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(8);

    // "Restart": a fresh service on the same database answers from what was committed.
    verifier = await startMetricService({ clock: new TestClock(Date.now()) });
    const range = {
      from: new Date(t0 - 3_600_000).toISOString(),
      to: new Date(t0 + 3_600_000).toISOString(),
    };
    for (let b = 0; b < batches; b += 1) {
      const body = await seriesOf(verifier, tenant, {
        ...range,
        metricName: `crash.b${b}`,
        window: '1h',
        aggregation: 'sum',
      });
      const counted = body.series.flatMap((s) => s.points).reduce((n, p) => n + p.count, 0);
      const raw: { n: string }[] = await verifier.ctx.dataSource.query(
        `SELECT count(*) AS n FROM ${verifier.ctx.table('raw_points')} p
           JOIN ${verifier.ctx.table('streams')} s ON s.id = p.stream_id
          WHERE s.tenant_id = $1 AND s.metric_name = $2`,
        [tenant, `crash.b${b}`],
      );
      if (acked.includes(b)) {
        expect(counted, `acknowledged batch ${b}`).toBe(200);
        expect(Number(raw[0]?.n), `raw points of batch ${b}`).toBe(200);
      } else {
        // All or nothing: an unacknowledged batch either committed whole or not at all.
        expect([0, 200]).toContain(counted);
        expect(Number(raw[0]?.n)).toBe(counted);
      }
    }
  });
});
