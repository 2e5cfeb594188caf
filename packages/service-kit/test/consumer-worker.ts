import { buildService } from '../src/build-service.js';
import { widgetFixtureService } from './widget-fixture.service.js';

/**
 * A consumer-only copy of the fixture service in its own process, so a test can kill it with
 * SIGKILL mid-batch. Configuration comes from the environment the test passes.
 */
const service = await buildService(widgetFixtureService, { runRelay: false });
process.stdout.write('ready\n');
const shutdown = (): void => {
  void service.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
