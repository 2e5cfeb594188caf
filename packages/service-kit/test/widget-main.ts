import { runService } from '../src/run-service.js';
import { widgetFixtureService } from './widget-fixture.service.js';

/** The fixture service as a deployer runs it (`main`), for start-up refusal tests. */
await runService(widgetFixtureService);
