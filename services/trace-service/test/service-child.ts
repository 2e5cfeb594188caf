import { buildService } from '@obs/service-kit';
import { createTraceService } from '../src/app.js';
import { traceConfigFrom } from '../src/config.js';

/**
 * The service in a process of its own, for the real-SDK tests: the test process registers the
 * OpenTelemetry SDK globally, and the service's own request spans must not reach that SDK (they
 * would be exported back into the service). Jobs run on their timers with the real clock.
 */
const service = await buildService(createTraceService(traceConfigFrom(process.env)), {
  env: process.env,
  runJobs: true,
});
const url = await service.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
