/**
 * Ingest throughput of POST /v1/cost-records (a script, not a test: numbers depend on the machine).
 *
 *   DATABASE_URL=postgres://... npx tsx services/cost-telemetry-service/bench/ingest.bench.ts
 *
 * Sends BATCHES batches of 1000 lines (one project, lines spread over 30 days, so every batch
 * recomputes about 30 day signals, the 7 days after each and the months), through Fastify's
 * inject (no network), the relay off; then resends them all (every line a duplicate). Prints
 * lines per second for both.
 */
import { randomUUID } from 'node:crypto';
import { buildService, mintToken } from '@obs/service-kit';
import { createCostTelemetryService } from '../src/app.js';
import { costConfigFrom } from '../src/config.js';

const BATCHES = Number(process.env.BATCHES ?? 20);
const LINES = 1000;
if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is required');

const service = await buildService(createCostTelemetryService(costConfigFrom({})), {
  env: {
    DATABASE_URL: process.env.DATABASE_URL,
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: '',
    RATE_LIMIT_MAX: '100000000',
    BODY_LIMIT_BYTES: String(8 << 20),
  },
  runRelay: false,
  runJobs: false,
});
const tenantId = `bench-${randomUUID().slice(0, 8)}`;
const authorization = `Bearer ${mintToken({ tenantId, scopes: ['ingest'] })}`;
const batches = Array.from({ length: BATCHES }, (_, b) =>
  Array.from({ length: LINES }, (_, i) => ({
    lineId: `b${b}-l${i}`,
    category: i % 2 === 0 ? 'model_inference' : 'compute',
    occurredAt: new Date(Date.UTC(2030, 0, 1 + (i % 30), i % 24)).toISOString(),
    amount: `${i % 7}.${String(i % 1000).padStart(3, '0')}`,
    currency: 'USD',
    ...(i % 2 === 0 ? { model: `model-${i % 5}`, inputTokens: 1000, outputTokens: 200 } : {}),
    traceId: randomUUID().replaceAll('-', ''),
    dimensions: {
      projectId: 'bench',
      moduleId: 'm',
      artifactId: 'a',
      executionId: `e-${i % 50}`,
      agentId: `agent-${i % 10}`,
      service: 's',
      serviceVersion: '1',
      environment: 'bench',
      region: 'r',
      origin: 'agent',
    },
  })),
);

async function send(label: string): Promise<void> {
  const started = process.hrtime.bigint();
  for (const lines of batches) {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/cost-records',
      headers: { authorization },
      payload: { lines },
    });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const total = BATCHES * LINES;
  console.log(
    `${label}: ${total} lines in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} lines/s`,
  );
}

try {
  await send('new lines');
  await send('duplicates');
} finally {
  await service.close();
}
