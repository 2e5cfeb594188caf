import { runService } from '@obs/service-kit';
import { incidentService } from './app.js';

await runService(incidentService);
