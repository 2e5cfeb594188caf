import { runService } from '@obs/service-kit';
import { telemetryCorrelationService } from './app.js';

await runService(telemetryCorrelationService);
