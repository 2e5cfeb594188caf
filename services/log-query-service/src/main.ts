import { runService } from '@obs/service-kit';
import { logQueryService } from './app.js';

await runService(logQueryService);
