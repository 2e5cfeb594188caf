import { runService } from '@obs/service-kit';
import { sloService } from './app.js';

await runService(sloService);
