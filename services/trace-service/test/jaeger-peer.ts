import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findFreePort } from '@obs/local-infra';

/**
 * The real Jaeger (v1.75, all-in-one binary, memory storage, OTLP/HTTP receiver) for the
 * differential test: built from its Go module on first use and cached where the platform caches
 * its Go peers (`OBS_GO_PEERS_CACHE`, else ~/.cache/obs-platform/go-peers). Missing Go fails
 * loudly, naming what to install.
 */
const MODULE = 'github.com/jaegertracing/jaeger';
const VERSION = 'v1.75.0';

function cacheDir(): string {
  return (
    process.env.OBS_GO_PEERS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'obs-platform', 'go-peers')
  );
}

export function jaegerBinaryPath(): string {
  return join(cacheDir(), `jaeger-${VERSION}`, 'jaeger');
}

/** The binary, built with `go build` from the module's own root (its replace directives apply). */
export async function jaegerBinary(): Promise<string> {
  const target = jaegerBinaryPath();
  if (existsSync(target)) return target;
  const go = process.env.OBS_GO ?? 'go';
  const env = { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto', GOWORK: 'off' };
  const run = (args: string[], cwd?: string) => {
    const result = spawnSync(go, args, { cwd, env, encoding: 'utf8', timeout: 45 * 60_000 });
    if (result.error !== undefined || result.status !== 0) {
      throw new Error(
        `Jaeger ${VERSION} is built from ${MODULE} on first use and needs Go on PATH (or OBS_GO): ` +
          `\`${go} ${args.join(' ')}\` failed: ${result.error?.message ?? result.stderr.slice(-2000)}`,
      );
    }
    return result.stdout;
  };
  const { Dir } = JSON.parse(run(['mod', 'download', '-json', `${MODULE}@${VERSION}`])) as {
    Dir: string;
  };
  await mkdir(dirname(target), { recursive: true });
  run(['build', '-o', `${target}.partial`, './cmd/jaeger'], Dir);
  spawnSync('mv', [`${target}.partial`, target]);
  return target;
}

export interface JaegerPeer {
  /** OTLP/HTTP receiver: POST `${otlpUrl}/v1/traces`. */
  readonly otlpUrl: string;
  /** The query API: GET `${queryUrl}/api/services`. */
  readonly queryUrl: string;
  stop(): Promise<void>;
}

export async function startJaeger(): Promise<JaegerPeer> {
  const binary = await jaegerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'obs-jaeger-'));
  const [otlp, http, grpc] = [await findFreePort(), await findFreePort(), await findFreePort()];
  // Only what the test needs: no UI, no sampling, no own telemetry ports.
  await writeFile(
    join(dir, 'config.yaml'),
    `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: mem
    enable_tracing: false
    http:
      endpoint: 127.0.0.1:${http}
    grpc:
      endpoint: 127.0.0.1:${grpc}
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`,
  );
  let log = '';
  const child: ChildProcess = spawn(binary, ['--config', join(dir, 'config.yaml')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const queryUrl = `http://127.0.0.1:${http}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Jaeger exited early:\n${log.slice(-3000)}`);
    }
    const ready = await fetch(`${queryUrl}/api/services`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Jaeger did not answer on ${queryUrl} within 60 s:\n${log.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { otlpUrl: `http://127.0.0.1:${otlp}`, queryUrl, stop };
}
