import { buildService, type ServiceDefinition } from './build-service.js';

/**
 * A service's `main`: builds it, listens on its port, and on SIGTERM/SIGINT drains in-flight
 * requests, consumers and the relay before exiting (0, or 1 when shutdown failed).
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  let service: Awaited<ReturnType<typeof buildService>>;
  try {
    service = await buildService(definition);
  } catch (err) {
    // A refusal to start (missing key material, bad config) is an operator's message, not a crash.
    process.stderr.write(`${definition.name} did not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const url = await service.listen();
  service.ctx.logger.info(`${definition.name} listening on ${url} (OpenAPI: ${url}/docs)`);
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    service.ctx.logger.info({ signal }, 'shutting down');
    try {
      await service.close();
      process.exit(0);
    } catch (err) {
      service.ctx.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}
