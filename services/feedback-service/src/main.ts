import { runService } from '@obs/service-kit';
import { feedbackService } from './app.js';

await runService(feedbackService);
