import { runService } from '@obs/service-kit';
import { metricAggregationService } from './app.js';

await runService(metricAggregationService);
