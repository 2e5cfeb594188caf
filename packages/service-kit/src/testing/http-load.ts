import { Worker } from 'node:worker_threads';
import { once } from 'node:events';

export interface HttpLoadOptions {
  /** The full URL every body is POSTed to. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodies: readonly (string | Uint8Array)[];
  /** Requests in flight at once (default 4). */
  readonly connections?: number;
}

export interface HttpLoadResult {
  /** From the first request sent to the last answer read, in the load thread. */
  readonly seconds: number;
  /** Per request, in milliseconds, in completion order. */
  readonly latenciesMs: readonly number[];
  readonly statuses: readonly number[];
  /** The first answer whose status was not 2xx (its first 300 characters), if any. */
  readonly firstFailure?: string;
}

/*
 * The load thread, plain JavaScript so it needs no loader: every body is sent as given with
 * `fetch`, `connections` at a time, and each answer is read whole.
 */
const LOAD_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, bodies, connections } = workerData;
(async () => {
  const latenciesMs = [];
  const statuses = [];
  let firstFailure;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < bodies.length) {
      const body = bodies[next];
      next += 1;
      const sent = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      latenciesMs.push(performance.now() - sent);
      statuses.push(res.status);
      if ((res.status < 200 || res.status > 299) && firstFailure === undefined)
        firstFailure = res.status + ' ' + text.slice(0, 300);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  parentPort.postMessage({ seconds, latenciesMs, statuses, firstFailure });
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

/**
 * POSTs the bodies from a worker thread: a benchmark's load generator must not share the event
 * loop of the server it measures (in one thread, the client's request encoding and answer
 * parsing were about 15 % of the server's CPU profile). The bodies are copied to the worker
 * before the clock starts.
 */
export async function postFromLoadThread(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const worker = new Worker(LOAD_THREAD, {
    eval: true,
    workerData: {
      url: options.url,
      headers: options.headers,
      bodies: options.bodies,
      connections: options.connections ?? 4,
    },
  });
  const [message] = (await once(worker, 'message')) as [HttpLoadResult & { error?: string }];
  await worker.terminate();
  if (message.error !== undefined) throw new Error(`load thread failed: ${message.error}`);
  return message;
}
