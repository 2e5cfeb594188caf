import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../build-service.js';
import type { JobStatus } from '../jobs/job-runner.js';

/**
 * /healthz: the process is alive. /readyz: its database and event bus answer; its jobs are listed
 * with their last run and error, for operators (a failing job does not take the service out of
 * rotation: its requests still work).
 */
export function registerHealth(
  app: FastifyInstance,
  ctx: ServiceContext,
  jobs: () => readonly JobStatus[],
): void {
  // Probes come every few seconds: logged only when something is wrong (warn and above).
  app.get('/healthz', { schema: { hide: true }, logLevel: 'warn' }, () =>
    Promise.resolve({ status: 'ok', service: ctx.name }),
  );
  app.get('/readyz', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
    const database = await ctx.dataSource
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    const bus = await ctx.bus.isReachable();
    const ready = database && bus;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not-ready',
      database,
      bus: bus ? ctx.bus.kind : false,
      jobs: jobs(),
    });
  });
}
