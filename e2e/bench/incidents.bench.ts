/**
 * `pnpm bench:incidents`: the incident API against a bare Fastify + pg route doing the same single
 * SQL query, measured in one run on real local infrastructure, then the alert-to-incident loop
 * latency over Kafka. Not a test: it prints tables.
 *
 *   env: BENCH_SECONDS=10 per load run, BENCH_CONNECTIONS=10, BENCH_RULES=100 for the loop
 */
import { startKafka, startPostgres } from '@obs/local-infra';
import { buildService, mintToken } from '@obs/service-kit';
import { incidentService } from '@obs/incident-service';

import { load, startBareServer, type HttpResult } from './http.bench.js';
import { measureLoopLatency } from './loop.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const rules = Number(process.env.BENCH_RULES ?? 100);
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const tenant = 'bench-tenant';

function printHttp(results: readonly HttpResult[]): void {
  const baseline = results[0];
  console.log('\npath                                   req/s     p99 ms   vs bare   non-2xx');
  for (const r of results) {
    const ratio = baseline ? (r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2) : '-';
    console.log(
      `${r.path.padEnd(36)} ${Math.round(r.requestsPerSecond).toString().padStart(8)} ${r.p99Ms.toFixed(1).padStart(10)} ${`${ratio}x`.padStart(9)} ${String(r.non2xx).padStart(9)}`,
    );
  }
}

async function main(): Promise<void> {
  const postgres = await startPostgres();
  const kafka = await startKafka();
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: postgres.url,
    KAFKA_BROKERS: kafka.brokers,
    JWT_SECRET,
    RATE_LIMIT_MAX: '100000000',
  };
  const incidents = await buildService(incidentService, { env });
  const bare = await startBareServer(postgres.url);
  try {
    const base = await incidents.listen(0);
    const auth = {
      authorization: `Bearer ${mintToken({ tenantId: tenant, scopes: ['read', 'write'], secret: JWT_SECRET })}`,
    };
    const body = () =>
      JSON.stringify({
        title: `bench incident ${Math.random()}`,
        severity: 'high',
        projectId: 'bench',
      });
    const created = await fetch(`${base}/v1/incidents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: body(),
    });
    if (created.status !== 201)
      throw new Error(
        `could not create the bench incident: ${created.status} ${await created.text()}`,
      );
    const { id } = (await created.json()) as { id: string };
    const options = { seconds, connections };
    // Warm both servers up outside the measurement.
    await load('warm-up', { url: `${bare.url}/bare/${tenant}/${id}` }, { seconds: 2, connections });
    await load(
      'warm-up',
      { url: `${base}/v1/incidents/${id}`, headers: auth },
      { seconds: 2, connections },
    );
    const results = [
      await load(
        'bare fastify + pg (same SELECT)',
        { url: `${bare.url}/bare/${tenant}/${id}` },
        options,
      ),
      await load(
        'GET /v1/incidents/{id}',
        { url: `${base}/v1/incidents/${id}`, headers: auth },
        options,
      ),
      await load(
        'POST /v1/incidents',
        { url: `${base}/v1/incidents`, method: 'POST', headers: auth, body },
        options,
      ),
    ];
    console.log(`autocannon: ${connections} connections, ${seconds} s per path, on this machine`);
    printHttp(results);
    const loop = await measureLoopLatency({ env, rules, incidentsBase: base });
    console.log(
      `\nalert-to-incident loop over Kafka (${loop.samples} rules): p50 ${loop.p50Ms.toFixed(0)} ms, p95 ${loop.p95Ms.toFixed(0)} ms, max ${loop.maxMs.toFixed(0)} ms`,
    );
  } finally {
    await bare.close();
    await incidents.close();
    await kafka.close();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
