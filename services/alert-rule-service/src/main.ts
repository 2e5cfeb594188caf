import { runService } from '@obs/service-kit';
import { alertRuleService } from './app.js';

await runService(alertRuleService);
