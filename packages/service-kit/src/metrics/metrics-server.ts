import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { PlatformMetrics } from './platform-metrics.js';

export interface MetricsServer {
  /** `http://host:port`, where `GET /metrics` answers. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on its own port (METRICS_PORT), never the API's: it needs no token, so it is
 * reachable only where the operator binds it (METRICS_HOST, default the API's HOST) and can be
 * firewalled apart from the API. Anything else on this port answers 404; a failing collection 500.
 */
export async function startMetricsServer(
  metrics: PlatformMetrics,
  options: { host: string; port: number; logger: Logger },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        options.logger.error({ err }, 'metrics collection failed');
        response
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('collection failed\n');
      },
    );
  });
  // A scrape is one short request; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
