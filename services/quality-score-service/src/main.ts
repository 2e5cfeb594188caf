import { runService } from '@obs/service-kit';
import { qualityScoreService } from './app.js';

await runService(qualityScoreService);
