import { createServer } from 'node:net';

/** Every launcher binds and advertises this address: `localhost` may resolve to ::1 under Node. */
export const LOOPBACK = '127.0.0.1';

// Ports handed out by this process. The kernel may give the same ephemeral port to two probes that
// close immediately, and two launchers starting in parallel must not collide.
const handedOut = new Set<number>();

/** True when nothing listens on `port` at `host` (checked by binding it briefly). */
export function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

function probeEphemeralPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close(() => reject(new Error('could not read the probed port')));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

/** A port that is free on `host` now and was not handed out before by this process. */
export async function findFreePort(host: string = LOOPBACK): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await probeEphemeralPort(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found on ${host} after 20 attempts`);
}

/** `preferred` when it is given and free, otherwise a fresh free port. */
export async function portOrFree(
  preferred: number | undefined,
  host: string = LOOPBACK,
): Promise<number> {
  if (preferred !== undefined && (await isPortFree(preferred, host))) {
    handedOut.add(preferred);
    return preferred;
  }
  return findFreePort(host);
}

/** Throws a readable error when an explicitly requested port is taken. */
export async function assertPortFree(
  port: number,
  what: string,
  host: string = LOOPBACK,
): Promise<void> {
  if (!(await isPortFree(port, host))) {
    throw new Error(`${what}: port ${host}:${port} is already in use`);
  }
}
