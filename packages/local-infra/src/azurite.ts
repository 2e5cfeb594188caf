import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { makeEphemeralDir } from './paths.js';
import { assertPortFree, findFreePort, LOOPBACK } from './ports.js';
import { spawnManaged, tailFile, waitFor } from './process.js';

export interface AzuriteOptions {
  /** Keep blobs here across runs. Without it: a fresh temp dir, removed by `stop()`. */
  dataDir?: string;
  /** Defaults to a free port on 127.0.0.1. */
  port?: number;
  /** Default 30 s. */
  startTimeoutMs?: number;
}

export interface AzuriteInstance {
  /** Azurite's well-known dev account with `BlobEndpoint=http://127.0.0.1:<port>/devstoreaccount1;`, or the env value. */
  readonly connectionString: string;
  /** True when `AZURE_STORAGE_CONNECTION_STRING` was set: nothing was started and `stop()` does nothing. */
  readonly external: boolean;
  readonly dataDir: string | undefined;
  stop(): Promise<void>;
}

const ACCOUNT = 'devstoreaccount1';
// Azurite's fixed development key (public, documented by Microsoft).
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
}

function blobMainScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
}

/** Any HTTP answer (an unauthenticated list is refused with 403) means the blob service is up. */
async function answers(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}?comp=list`, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.status > 0;
}

/**
 * `AZURE_STORAGE_CONNECTION_STRING` when set; otherwise Azurite's blob service, run with node directly
 * (killing an npx wrapper would leave the server running).
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const fromEnv = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (fromEnv)
    return {
      connectionString: fromEnv,
      external: true,
      dataDir: undefined,
      stop: () => Promise.resolve(),
    };

  const port = options.port ?? (await findFreePort());
  if (options.port !== undefined) await assertPortFree(port, 'Azurite');
  const persistent = options.dataDir !== undefined;
  const dataDir = options.dataDir ?? (await makeEphemeralDir('obs-azurite-'));
  await mkdir(dataDir, { recursive: true });
  const logFile = join(dataDir, 'azurite.log');
  const endpoint = `http://${LOOPBACK}:${port}/${ACCOUNT}`;
  const args = [
    blobMainScript(),
    ...['--blobHost', LOOPBACK, '--blobPort', String(port), '--location', dataDir],
    // The current @azure/storage-blob sends an API version newer than Azurite 3.35 knows.
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
  ];
  const server = await spawnManaged({ command: process.execPath, args, cwd: dataDir, logFile });
  const cleanup = async (): Promise<void> => {
    await server.stop({ signal: 'SIGTERM', timeoutMs: 10_000 });
    if (!persistent) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`Azurite on ${LOOPBACK}:${port}`, () => answers(endpoint), {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      intervalMs: 100,
      failFast: () => (server.isRunning() ? undefined : 'the process exited during startup'),
    });
  } catch (error) {
    const tail = tailFile(logFile);
    await cleanup();
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- azurite log (tail) ---\n${tail}`,
    );
  }
  let stopped = false;
  return {
    connectionString: azuriteConnectionString(endpoint),
    external: false,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanup();
    },
  };
}
