import { runService } from '@obs/service-kit';
import { costTelemetryService } from './app.js';

await runService(costTelemetryService);
