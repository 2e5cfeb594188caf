/**
 * `pnpm bench:incidents`: the incident API against bare Fastify + pg routes doing the same
 * database work, measured in one run on real local infrastructure, then the alert-to-incident
 * loop latency over Kafka. Not a test: it prints tables.
 * - GET /v1/incidents/{id} against the same single-row SELECT (target >= 0.6x).
 * - POST /v1/incidents against the same transaction: incident row, first timeline line, one
 *   outbox row and NOTIFY, in a copy of the service's tables (target >= 0.5x).
 * The paths run in interleaved rounds whose order rotates; each row shows the median req/s and
 * the median p99 over the rounds, and the ratio of the medians.
 *
 *   env: BENCH_SECONDS=5 per load run, BENCH_ROUNDS=3, BENCH_CONNECTIONS=10, BENCH_RULES=100 (0 skips
 *   the loop), BENCH_ONLY=POST or GET (one comparison)
 */
import { startKafka, startPostgres } from '@obs/local-infra';
import { buildService, mintToken } from '@obs/service-kit';
import { incidentService } from '@obs/incident-service';

import { load, startBareServer, type HttpResult, type LoadRequest } from './http.bench.js';
import { measureLoopLatency } from './loop.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const rules = Number(process.env.BENCH_RULES ?? 100);
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const tenant = 'bench-tenant';

interface Path {
  readonly name: string;
  readonly request: LoadRequest;
}

interface Comparison {
  readonly title: string;
  readonly target: number;
  readonly baseline: Path;
  readonly service: Path;
}

interface Summary {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly spread: string;
  readonly non2xx: number;
  readonly bytesPerResponse: number;
  /** Median CPU ms per request: servers' thread / PostgreSQL / Kafka, or '-'. */
  readonly cpu: string;
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function summarise(name: string, runs: readonly HttpResult[]): Summary {
  const rates = runs.map((r) => r.requestsPerSecond);
  return {
    name,
    requestsPerSecond: median(rates),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    spread: `${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))}`,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    bytesPerResponse: median(runs.map((r) => r.bytesPerResponse)),
    cpu: runs.every((r) => r.cpuPerRequest)
      ? (['main', 'postgres', 'kafka'] as const)
          .map((k) => median(runs.map((r) => r.cpuPerRequest?.[k] ?? Number.NaN)).toFixed(2))
          .join(' / ')
      : '-',
  };
}

/** The body size of one response, to show both sides answer with the same JSON. */
async function bodyBytes({ request }: Path): Promise<number> {
  const res = await fetch(request.url, {
    method: request.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return (await res.arrayBuffer()).byteLength;
}

function printComparison(
  comparison: Comparison,
  bodies: readonly number[],
  baseline: Summary,
  service: Summary,
): void {
  const ratio = service.requestsPerSecond / baseline.requestsPerSecond;
  const failed = baseline.non2xx + service.non2xx > 0;
  const verdict = failed ? 'INVALID' : ratio >= comparison.target ? 'met' : 'MISSED';
  const row = (s: Summary, vs: string, target: string): string =>
    `${s.name.padEnd(44)} ${Math.round(s.requestsPerSecond).toString().padStart(7)} ${s.spread.padStart(11)} ${s.p99Ms.toFixed(1).padStart(7)} ${Math.round(s.bytesPerResponse).toString().padStart(7)} ${String(s.non2xx).padStart(7)} ${vs.padStart(8)} ${target.padStart(14)}  ${s.cpu}`;
  console.log(`\n${comparison.title} (response bodies: ${bodies.join(' B vs ')} B)`);
  console.log(
    `${'path'.padEnd(44)} ${'req/s'.padStart(7)} ${'min-max'.padStart(11)} ${'p99 ms'.padStart(7)} ${'B/resp'.padStart(7)} ${'non-2xx'.padStart(7)} ${'vs bare'.padStart(8)} ${'target'.padStart(14)}  CPU ms/req: node main / postgres / kafka`,
  );
  console.log(row(baseline, '1.00x', 'baseline'));
  console.log(
    row(service, `${ratio.toFixed(2)}x`, `>= ${comparison.target.toFixed(1)}x ${verdict}`),
  );
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
  const bare = await startBareServer(postgres.url, {
    sourceSchema: 'incident',
    schema: 'bench_bare',
  });
  try {
    const base = await incidents.listen(0);
    const auth = {
      authorization: `Bearer ${mintToken({ tenantId: tenant, scopes: ['read', 'write'], secret: JWT_SECRET })}`,
    };
    const body = JSON.stringify({ title: 'bench incident', severity: 'high', projectId: 'bench' });
    const created = await fetch(`${base}/v1/incidents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    if (created.status !== 201)
      throw new Error(
        `could not create the bench incident: ${created.status} ${await created.text()}`,
      );
    const { id } = (await created.json()) as { id: string };
    // The bare GET reads a row the bare POST wrote into its own copy of the tables.
    const bareCreated = await fetch(`${bare.url}/bare/${tenant}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (bareCreated.status !== 201)
      throw new Error(`bare POST failed: ${bareCreated.status} ${await bareCreated.text()}`);
    const bareId = ((await bareCreated.json()) as { id: string }).id;
    const all: Comparison[] = [
      {
        title: 'GET one incident: the same single-row SELECT',
        target: 0.6,
        baseline: {
          name: 'bare fastify + pg (same SELECT)',
          request: { url: `${bare.url}/bare/${tenant}/${bareId}` },
        },
        service: {
          name: 'GET /v1/incidents/{id}',
          request: { url: `${base}/v1/incidents/${id}`, headers: auth },
        },
      },
      {
        title: 'POST a manual incident: the same rows in one transaction, NOTIFY',
        target: 0.5,
        baseline: {
          name: 'bare fastify + pg (same transaction)',
          request: { url: `${bare.url}/bare/${tenant}`, method: 'POST', body },
        },
        service: {
          name: 'POST /v1/incidents',
          request: { url: `${base}/v1/incidents`, method: 'POST', headers: auth, body },
        },
      },
    ];
    // BENCH_ONLY=POST (or GET): only the comparisons whose title contains it, e.g. for a profile.
    const comparisons = all.filter((c) => c.title.includes(process.env.BENCH_ONLY ?? ''));
    const paths = comparisons.flatMap((c) => [c.baseline, c.service]);
    // Warm every path up outside the measurement (JIT, pools, the relay's first sends).
    for (const path of paths) await load('warm-up', path.request, { seconds: 2, connections });
    const runs = paths.map((): HttpResult[] => []);
    const options = { seconds, connections };
    for (let round = 0; round < rounds; round += 1) {
      // Rotate who goes first, so no path always runs right after the heaviest one.
      for (let k = 0; k < paths.length; k += 1) {
        const i = (round + k) % paths.length;
        const path = paths[i];
        if (path) runs[i]?.push(await load(path.name, path.request, options));
      }
    }
    console.log(
      `\nautocannon (worker thread): ${connections} connections, ${seconds} s per path and round, ` +
        `median of ${rounds} interleaved rounds, on this machine; ${bare.schemaSummary}`,
    );
    for (const [c, comparison] of comparisons.entries()) {
      const baseline = summarise(comparison.baseline.name, runs[2 * c] ?? []);
      const service = summarise(comparison.service.name, runs[2 * c + 1] ?? []);
      const bodies = [await bodyBytes(comparison.baseline), await bodyBytes(comparison.service)];
      printComparison(comparison, bodies, baseline, service);
    }
    if (rules === 0) return;
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
