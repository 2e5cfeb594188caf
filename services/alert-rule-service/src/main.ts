import { buildService } from '@obs/service-kit';
import { alertRuleService } from './app.js';

const service = await buildService(alertRuleService);
const url = await service.listen();
service.ctx.logger.info(`alert-rule-service listening on ${url} (OpenAPI: ${url}/docs)`);

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  service.ctx.logger.info({ signal }, 'shutting down');
  try {
    await service.close();
    process.exit(0);
  } catch (err) {
    service.ctx.logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
