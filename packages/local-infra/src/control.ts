import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KafkaInstance } from './kafka.js';
import { LOOPBACK } from './ports.js';

/**
 * Tests run in worker processes, the broker belongs to the vitest main process (global setup). A
 * tiny HTTP server on 127.0.0.1 lets a fault test stop and start it:
 *   GET  /kafka          -> 200 {"brokers","running","external"}
 *   POST /kafka/stop     -> 204 once the JVM is gone (ports and data kept)
 *   POST /kafka/start    -> 204 once the broker answers again, same ports and data
 *   POST /kafka/restart  -> 204
 * 409 for an external broker (KAFKA_BROKERS), 500 with {"error"} when the operation failed.
 */
export const CONTROL_URL_ENV = 'OBS_INFRA_CONTROL_URL';

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startControlServer(kafka: KafkaInstance): Promise<ControlServer> {
  const actions: Record<string, () => Promise<void>> = {
    '/kafka/stop': () => kafka.stop(),
    '/kafka/start': () => kafka.start(),
    '/kafka/restart': () => kafka.restart(),
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    if (req.method === 'GET' && path === '/kafka') {
      send(res, 200, {
        brokers: kafka.brokers,
        running: kafka.isRunning(),
        external: kafka.external,
      });
      return;
    }
    const action = req.method === 'POST' ? actions[path] : undefined;
    if (!action) {
      send(res, 404, { error: `no route ${req.method ?? '?'} ${path}` });
      return;
    }
    if (kafka.external) {
      send(res, 409, {
        error: `KAFKA_BROKERS=${kafka.brokers} is external: it cannot be stopped or started from here`,
      });
      return;
    }
    try {
      await action();
      send(res, 204);
    } catch (error) {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  };
  const server = createServer((req, res) => {
    req.resume();
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function post(path: string, controlUrl: string | undefined): Promise<void> {
  const base = controlUrl ?? process.env[CONTROL_URL_ENV];
  if (!base)
    throw new Error(
      `no infra control URL: pass inject('infra').controlUrl or set ${CONTROL_URL_ENV}`,
    );
  const response = await fetch(`${base}${path}`, { method: 'POST' });
  if (response.status !== 204)
    throw new Error(`POST ${path} -> ${response.status}: ${await response.text()}`);
}

/** Stops the test run's Kafka broker (fault injection); resolves once the JVM is gone. */
export function stopKafkaBroker(controlUrl?: string): Promise<void> {
  return post('/kafka/stop', controlUrl);
}

/** Starts it again on the same ports with the same data; resolves once it answers. */
export function startKafkaBroker(controlUrl?: string): Promise<void> {
  return post('/kafka/start', controlUrl);
}
