import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { withFetchLock } from './fetch-lock.js';
import { makeEphemeralDir } from './paths.js';
import { findFreePort, LOOPBACK } from './ports.js';
import { type ManagedProcess, runCommand, spawnManaged, tailFile, waitFor } from './process.js';

/**
 * The real tools users would pick instead of (or next to) the platform, built from their Go
 * modules on first use and cached outside the repository like the Kafka jars: the tests and
 * benches compare the platform with them, or feed them from it, side by side.
 */
export interface GoPeerSpec {
  module: string;
  version: string;
  /** The main package, relative to the module root. */
  packagePath: string;
  /**
   * Files that `//go:embed` needs but the module zip leaves out (generated UI bundles): written
   * as empty placeholders, so the binary builds; the peers' APIs do not need the UI.
   */
  embedPlaceholders?: readonly string[];
}

export const GO_PEERS = {
  prometheus: {
    module: 'github.com/prometheus/prometheus',
    version: 'v0.316.0',
    packagePath: './cmd/prometheus',
  },
  promtool: {
    module: 'github.com/prometheus/prometheus',
    version: 'v0.316.0',
    packagePath: './cmd/promtool',
  },
  alertmanager: {
    module: 'github.com/prometheus/alertmanager',
    version: 'v0.35.0',
    packagePath: './cmd/alertmanager',
    embedPlaceholders: ['ui/app/dist/elm/index.html', 'ui/app/dist/mantine/index.html'],
  },
  jaeger: {
    module: 'github.com/jaegertracing/jaeger',
    version: 'v1.75.0',
    packagePath: './cmd/jaeger',
  },
} as const satisfies Record<string, GoPeerSpec>;

export type GoPeerName = keyof typeof GO_PEERS;

/** `OBS_GO_PEERS_CACHE`, else `$XDG_CACHE_HOME|~/.cache` + `/obs-platform/go-peers`. */
export function goPeersCacheDir(): string {
  const fromEnv = process.env.OBS_GO_PEERS_CACHE;
  if (fromEnv) return fromEnv;
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'obs-platform', 'go-peers');
}

/** Where the binary of `name` lives once built: one directory per peer and version. */
export function goPeerPath(name: GoPeerName): string {
  const spec: GoPeerSpec = GO_PEERS[name];
  return join(goPeersCacheDir(), `${name}-${spec.version}`, name);
}

/** The go command: `OBS_GO` when Go is installed off PATH. */
function goCommand(): string {
  return process.env.OBS_GO ?? 'go';
}

function installHint(name: GoPeerName): string {
  const spec: GoPeerSpec = GO_PEERS[name];
  return (
    `${name} is built on first use from its Go module ${spec.module}@${spec.version} and cached in ` +
    `${dirname(goPeerPath(name))}; this needs Go on PATH (or OBS_GO=/path/to/go): install Go ` +
    '(Debian: `apt-get install -y golang-go`; an older Go fetches the toolchain the module asks for ' +
    'from the Go module proxy).'
  );
}

/**
 * The go environment for a build: a toolchain the module needs comes from the module proxy, and a
 * go.work shipped in the module zip is ignored (it names modules the zip leaves out), as
 * `go install module@version` ignores it.
 */
function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto', GOWORK: 'off' };
}

/** One go command's limit: a first Jaeger build on two busy cores took more than 30 minutes. */
const BUILD_TIMEOUT_MS = 90 * 60 * 1000;

async function go(args: readonly string[], cwd: string | undefined, what: string) {
  const result = await runCommand(goCommand(), args, {
    cwd,
    env: goEnv(),
    timeoutMs: BUILD_TIMEOUT_MS,
  }).catch((error: unknown) => {
    throw new Error(`${what}: cannot run \`${goCommand()}\` (${String(error)}).`);
  });
  if (result.code === null) {
    throw new Error(
      `${what}: go ${args.join(' ')} was stopped after ${BUILD_TIMEOUT_MS / 60_000} min`,
    );
  }
  if (result.code !== 0) {
    const tail = result.output.split('\n').slice(-30).join('\n');
    throw new Error(`${what}: go ${args.join(' ')} exited ${String(result.code)}:\n${tail}`);
  }
  return result.output;
}

async function build(
  name: GoPeerName,
  target: string,
  onProgress: (message: string) => void,
): Promise<string> {
  const spec: GoPeerSpec = GO_PEERS[name];
  const started = Date.now();
  const ref = `${spec.module}@${spec.version}`;
  onProgress(`building ${name} from ${ref} (once; several minutes on a fresh machine)`);
  const staging = `${dirname(target)}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    // The module cache is read-only and lacks generated UI files, so the build runs in a copy,
    // from the module root: its go.mod (replace directives included) applies as upstream's does.
    const downloaded = JSON.parse(await go(['mod', 'download', '-json', ref], undefined, name)) as {
      Dir?: string;
    };
    if (!downloaded.Dir) throw new Error(`${name}: go mod download gave no directory for ${ref}`);
    const source = join(staging, 'src');
    await cp(downloaded.Dir, source, { recursive: true });
    await runCommand('chmod', ['-R', 'u+w', source]);
    for (const file of spec.embedPlaceholders ?? []) {
      await mkdir(dirname(join(source, file)), { recursive: true });
      await writeFile(join(source, file), '');
    }
    const output = join(staging, name);
    await go(['build', '-o', output, spec.packagePath], source, name);
    await rm(source, { recursive: true, force: true });
    await rm(dirname(target), { recursive: true, force: true });
    await rename(staging, dirname(target));
    onProgress(`${name} built in ${((Date.now() - started) / 1000).toFixed(0)}s: ${target}`);
    return target;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The path of the peer's binary, built with Go on first use only. Concurrent callers (test
 * workers) share one build. A missing Go fails loudly, naming what to install.
 */
export async function goPeerBinary(
  name: GoPeerName,
  onProgress: (message: string) => void = (message) => console.error(`[go-peers] ${message}`),
): Promise<string> {
  const target = goPeerPath(name);
  if (existsSync(target)) return target;
  const ok = await runCommand(goCommand(), ['version'], { env: goEnv(), timeoutMs: 120_000 })
    .then((result) => result.code === 0)
    .catch(() => false);
  if (!ok) throw new Error(installHint(name));
  await mkdir(goPeersCacheDir(), { recursive: true });
  return withFetchLock(
    `the ${name} build`,
    goPeersCacheDir(),
    () => existsSync(target),
    () => build(name, target, onProgress),
    () => target,
    2 * BUILD_TIMEOUT_MS,
  );
}

export interface GoPeer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** A fresh directory for the peer's data (TSDB, storage), removed by stop(). */
  readonly dataDir: string;
  readonly logFile: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartGoPeerOptions {
  /** The command line, given the port to listen on (127.0.0.1) and the data directory. */
  args(listen: { port: number; dataDir: string }): string[];
  /** Files written into the data directory before the start (configuration), by relative name. */
  files?: Readonly<Record<string, string>>;
  /** Polled until it answers 2xx, e.g. `/-/ready`. */
  readyPath: string;
  /** A port chosen by the caller (e.g. when the peer listens on several); else a free one. */
  port?: number;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/** Builds the peer if needed, starts it as a managed process and waits until it is ready. */
export async function startGoPeer(name: GoPeerName, options: StartGoPeerOptions): Promise<GoPeer> {
  const binary = await goPeerBinary(name);
  const dataDir = await makeEphemeralDir(`obs-peer-${name}-`);
  const logFile = join(dataDir, `${name}.log`);
  const port = options.port ?? (await findFreePort());
  for (const [file, content] of Object.entries(options.files ?? {})) {
    await writeFile(join(dataDir, file), content);
  }
  const child = await spawnManaged({
    command: binary,
    args: options.args({ port, dataDir }),
    cwd: dataDir,
    logFile,
    env: { ...process.env, ...options.env },
  });
  const url = `http://${LOOPBACK}:${port}`;
  const stop = async () => {
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${name} on ${url}`, async () => (await fetch(`${url}${options.readyPath}`)).ok, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      failFast: () => (child.isRunning() ? undefined : `exited early; log:\n${tailFile(logFile)}`),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, dataDir, logFile, process: child, stop };
}

/** Builds every peer that is not cached yet, one after the other (each build uses every core). */
export async function ensureGoPeers(onProgress?: (message: string) => void): Promise<void> {
  for (const name of Object.keys(GO_PEERS) as GoPeerName[]) await goPeerBinary(name, onProgress);
}
