import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../build-service.js';

/** /healthz: the process is alive. /readyz: its database and event bus answer. */
export function registerHealth(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/healthz', { schema: { hide: true } }, () =>
    Promise.resolve({ status: 'ok', service: ctx.name }),
  );
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const database = await ctx.dataSource
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    const bus = await ctx.bus.isReachable();
    const ready = database && bus;
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not-ready', database, bus: bus ? ctx.bus.kind : false });
  });
}
