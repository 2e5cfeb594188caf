import { buildService } from '@obs/service-kit';
import { createMetricAggregationService } from '../src/app.js';
import { metricConfigFrom } from '../src/config.js';

/**
 * The service in a process of its own, for the crash test: it prints its URL once listening and
 * is then killed with SIGKILL by the test, so nothing gets to flush or shut down gracefully.
 */
const service = await buildService(
  createMetricAggregationService({ ...metricConfigFrom({}), closeIntervalMs: 0 }),
  { env: process.env, runJobs: false },
);
const url = await service.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
