import { runService } from '@obs/service-kit';
import { traceService } from './app.js';

await runService(traceService);
