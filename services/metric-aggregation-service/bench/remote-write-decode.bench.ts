/**
 * `pnpm bench:remote-write` (tsx services/metric-aggregation-service/bench/remote-write-decode.bench.ts):
 * not a test, it prints figures measured in one run, in process. Decodes the same remote write
 * WriteRequests with the service's static decoder (protobufjs/minimal's Reader, remote-write-decode.ts)
 * and with protobufjs reflection over remote.proto (Type.decode, and Type.decode + toObject mapped
 * to the same shape, which is what the service would need), alternating rounds so both see the
 * same machine load. Two request shapes: what a Prometheus sends by default (2,000 float samples
 * of 2,000 series with 14 labels each: max_samples_per_send) and 200 series of native histograms
 * (schema 3, 40 buckets in 2 spans). Medians of the rounds; the ratio is what to compare.
 *
 *   env: BENCH_ROUNDS=7, BENCH_ITERATIONS=200
 */
import { performance } from 'node:perf_hooks';
import snappy from 'snappyjs';
import { decodeWriteRequest } from '../src/prometheus/remote-write/remote-write-decode.js';
import {
  decodeWriteRequestReflection,
  encodeWriteRequest,
  writeRequestType,
  type EncodableSeries,
} from '../src/prometheus/remote-write/remote-write-proto.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 200);

const external = {
  project_id: 'checkout',
  module_id: 'payments',
  artifact_id: 'payments-api',
  execution_id: 'exec-1',
  agent_id: 'none',
  service_name: 'payments-api',
  service_version: '1.0.0',
  deployment_environment_name: 'production',
  cloud_region: 'westeurope',
  telemetry_origin: 'generated-saas',
};

const floats: EncodableSeries[] = Array.from({ length: 2_000 }, (_, i) => ({
  labels: {
    __name__: `http_requests_total`,
    job: 'api',
    instance: `10.0.${i >> 8}.${i & 255}:9090`,
    code: String(200 + (i % 5)),
    ...external,
  },
  samples: [{ value: i * 1.5, timestamp: 1_767_225_600_000 + i }],
}));

const histograms: EncodableSeries[] = Array.from({ length: 200 }, (_, i) => ({
  labels: { __name__: 'rpc_duration_seconds', instance: `host-${i}`, ...external },
  samples: [],
  histograms: [
    {
      count: 4_000,
      sum: 812.5,
      schema: 3,
      zeroThreshold: 1e-128,
      zeroCount: 3,
      positiveSpans: [
        { offset: -10, length: 20 },
        { offset: 2, length: 20 },
      ],
      positiveDeltas: Array.from({ length: 40 }, (_, k) => (k % 2 === 0 ? 5 : -3)),
      timestamp: 1_767_225_600_000 + i,
    },
  ],
}));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

function time(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): number {
  const started = performance.now();
  for (let i = 0; i < iterations; i++) decode(bytes);
  return (performance.now() - started) / iterations;
}

const candidates: [string, (bytes: Uint8Array) => unknown][] = [
  ['static (protobufjs/minimal Reader)', decodeWriteRequest],
  ['reflection Type.decode only', (bytes) => writeRequestType().decode(bytes)],
  ['reflection decode + toObject (same shape)', decodeWriteRequestReflection],
];

for (const [shape, series] of [
  ['2,000 float samples, 14 labels each', floats],
  ['200 native histograms, 40 buckets', histograms],
] as const) {
  const bytes = encodeWriteRequest({ series });
  const compressed = snappy.compress(bytes);
  // Warm up every path (JIT, protobufjs' generated reflection code).
  for (const [, decode] of candidates) time(decode, bytes);
  const times = new Map<string, number[]>(candidates.map(([name]) => [name, []]));
  const snappyTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [name, decode] of candidates) times.get(name)?.push(time(decode, bytes));
    snappyTimes.push(time((b) => snappy.uncompress(b), compressed));
  }
  const baseline = median(times.get(candidates[0]?.[0] as string) ?? []);
  console.log(
    `\n${shape}: ${bytes.length.toLocaleString('en')} bytes (${compressed.length.toLocaleString('en')} snappy), ${rounds} rounds × ${iterations}`,
  );
  console.log('| decoder | ms per request | ratio to static |');
  console.log('| --- | --- | --- |');
  for (const [name] of candidates) {
    const ms = median(times.get(name) ?? []);
    console.log(`| ${name} | ${ms.toFixed(3)} | ${(ms / baseline).toFixed(2)}× |`);
  }
  console.log(`| (snappy uncompress, for scale) | ${median(snappyTimes).toFixed(3)} | |`);
}
