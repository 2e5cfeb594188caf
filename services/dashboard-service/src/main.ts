import { runService } from '@obs/service-kit';
import { dashboardService } from './app.js';

await runService(dashboardService);
