/**
 * `pnpm fuzz:api`: schemathesis (`--checks all`) against every service's OpenAPI document
 * (docs/design.md#openapi: the OpenAPI document tells the truth, and schemathesis checks it).
 *
 * 1. Keeps schemathesis (pinned) in a project-local virtual environment, `.venv-fuzz/`, created
 *    with `python3 -m venv` and filled with pip only when it is missing or the wrong version.
 * 2. Starts the platform in-process like `pnpm start`, but throw-away: a fresh embedded PostgreSQL
 *    (deleted again at the end), the PostgreSQL event-log bus, every service on a free port in
 *    development mode with a rate limit schemathesis cannot reach.
 * 3. Runs schemathesis against each service in turn with an all-scopes token, prints a summary per
 *    service and exits non-zero when any check failed anywhere. Servers are stopped in every case.
 *
 * Environment: FUZZ_MAX_EXAMPLES (default 25 per operation and phase), FUZZ_SEED (default 1;
 * `random` for a fresh one), FUZZ_WORKERS (default 1), FUZZ_SERVICES (comma-separated names, default
 * all), FUZZ_PYTHON (the interpreter that creates the venv, default python3), FUZZ_LOG_LEVEL
 * (services, default info). Arguments after `--`
 * go to `schemathesis run` as they are. Service logs and schemathesis reports (console, NDJSON, JUnit) go to
 * .data/fuzz-api/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { once } from 'node:events';
import {
  dataRoot,
  findFreePort,
  repoRoot,
  startAzurite,
  startPostgres,
  type AzuriteInstance,
  type PostgresInstance,
} from '@obs/local-infra';
import {
  buildService,
  DEV_JWT_SECRET,
  mintToken,
  SCOPES,
  SERVICE_PORTS,
  serviceUrlVariable,
  type RunningService,
  type ServiceDefinition,
  type ServiceName,
} from '@obs/service-kit';
import { RESULT_FILES } from './test-summary.js';
import { ensureVenv, SetupError } from './python-venv.js';

const SCHEMATHESIS_VERSION = '4.32.5';
const TENANT = 'fuzz-tenant';

const root = repoRoot();
const venvDir = join(root, '.venv-fuzz');
const reportRoot = join(dataRoot(), 'fuzz-api');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const maxExamples = positiveInt('FUZZ_MAX_EXAMPLES', 25);
// One worker: schemathesis' threads trip a CPython < 3.11.8 bug in ast.parse ("AST constructor
// recursion depth mismatch", python/cpython#106905) that Debian 12's python3 (3.11.2) still has.
const workers = positiveInt('FUZZ_WORKERS', 1);
const seed =
  process.env.FUZZ_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : positiveInt('FUZZ_SEED', 1);
const only = (process.env.FUZZ_SERVICES ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);

/** The interpreter that creates the venv (default python3 on PATH). */
const python3 = process.env.FUZZ_PYTHON ?? 'python3';
const extraArgs = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));

// ---------------------------------------------------------------------------------------------
// 1. schemathesis in .venv-fuzz/
// ---------------------------------------------------------------------------------------------

async function ensureSchemathesis(): Promise<string> {
  const bin = await ensureVenv({
    dir: venvDir,
    requirements: [`schemathesis==${SCHEMATHESIS_VERSION}`],
    label: 'fuzz:api',
    python: python3,
  });
  return join(bin, 'schemathesis');
}

// ---------------------------------------------------------------------------------------------
// 2. the platform, throw-away
// ---------------------------------------------------------------------------------------------

interface Started {
  readonly name: string;
  url: string;
  readonly service: RunningService;
  readonly log: WriteStream;
}

const started: Started[] = [];
let postgres: PostgresInstance | undefined;
let azurite: AzuriteInstance | undefined;
let child: ChildProcess | undefined;

/** The environment a service sees: development mode, local infra only, no outside key material. */
function serviceEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PORT', 'JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_SECRET'])
    delete env[name];
  return {
    ...env,
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    // '' = the PostgreSQL event-log bus, whatever the shell has.
    KAFKA_BROKERS: '',
    HOST: '127.0.0.1',
    RATE_LIMIT_MAX: '10000000',
    LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'info',
  };
}

/**
 * Every service gets a free port, and every `<NAME>_URL` names it, before the definitions are
 * imported (a service reads its upstream URLs from the environment when its module loads): so a
 * service that reads another (dashboard → metric-aggregation) reaches the copy started here.
 */
async function loadServices(): Promise<{
  services: readonly ServiceDefinition[];
  ports: Map<string, number>;
}> {
  const ports = new Map<string, number>();
  for (const name of Object.keys(SERVICE_PORTS) as ServiceName[]) {
    const port = await findFreePort();
    ports.set(name, port);
    process.env[serviceUrlVariable(name)] = `http://127.0.0.1:${port}`;
  }
  const { SERVICES } = await import('./services.js');
  return { services: SERVICES, ports };
}

async function startPlatform(): Promise<void> {
  // Never the developer's database (nor .data/postgres-dev): a fresh cluster, removed by stop().
  delete process.env.DATABASE_URL;
  delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  postgres = await startPostgres();
  // Services that keep blobs (attachments, exports) need a storage account: a throw-away Azurite,
  // named before the definitions load (a service may read it with its own settings).
  azurite = await startAzurite();
  process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  const { services: SERVICES, ports } = await loadServices();
  const unknown = only.filter((name) => !SERVICES.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new SetupError(
      `FUZZ_SERVICES names unknown service(s) ${unknown.join(', ')}; known: ${SERVICES.map((s) => s.name).join(', ')}`,
    );
  }
  // All of them run (a fuzzed service's upstreams must answer); FUZZ_SERVICES picks what is fuzzed.
  for (const definition of SERVICES) {
    const log = createWriteStream(join(reportRoot, `${definition.name}.log`));
    const service = await buildService(definition, {
      env: serviceEnv(postgres.url),
      logStream: log,
    }).catch((error: unknown) => {
      log.end();
      throw error;
    });
    const entry: Started = { name: definition.name, url: '', service, log };
    started.push(entry);
    entry.url = await service.listen(ports.get(definition.name) ?? 0);
  }
}

let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    if (child && child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    for (const entry of [...started].reverse()) {
      await entry.service.close().catch((error: unknown) => console.error(error));
      entry.log.end();
    }
    await postgres?.stop().catch((error: unknown) => console.error(error));
    await azurite?.stop().catch((error: unknown) => console.error(error));
  })();
  return stopping;
}

// ---------------------------------------------------------------------------------------------
// 3. schemathesis per service
// ---------------------------------------------------------------------------------------------

interface Result {
  readonly name: string;
  readonly exitCode: number;
  readonly seconds: number;
  /** Unique failures by check code, then operation, then the statuses answered. */
  readonly failures: ReadonlyMap<string, Finding>;
  /** Distinct (check, operation, status) triples. */
  readonly uniqueFailures: number;
  /** schemathesis' own errors (it could not test something): also a failed run. */
  readonly errors: readonly string[];
  readonly reportDir: string;
}

interface Finding {
  readonly title: string;
  readonly operations: Map<string, Set<string>>;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
const asString = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

/** Reads the NDJSON event stream: every failed check of every scenario, and engine errors. */
async function readReport(
  path: string,
): Promise<Pick<Result, 'failures' | 'uniqueFailures' | 'errors'>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const failures = new Map<string, Finding>();
  const unique = new Set<string>();
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const event = asRecord(JSON.parse(line));
    const nonFatal = asRecord(event.NonFatalError);
    if (event.NonFatalError !== undefined) {
      const value = asRecord(nonFatal.value);
      errors.push(
        `${asString(nonFatal.label)}: ${asString(value.message) || asString(value.type) || 'error'}`,
      );
    }
    if (event.FatalError !== undefined) {
      const exception = asRecord(asRecord(event.FatalError).exception);
      errors.push(`fatal: ${asString(exception.type)}: ${asString(exception.message)}`);
    }
    const recorder = asRecord(asRecord(event.ScenarioFinished).recorder);
    const interactions = asRecord(recorder.interactions);
    for (const [caseId, checks] of Object.entries(asRecord(recorder.checks))) {
      if (!Array.isArray(checks)) continue;
      const interaction = asRecord(interactions[caseId]);
      const status = asString(asRecord(interaction.response).status_code) || '-';
      const method = asString(asRecord(interaction.request).method);
      for (const check of checks) {
        const failure = asRecord(asRecord(asRecord(check).failure_info).failure);
        if (asRecord(check).status !== 'failure' || !failure.code) continue;
        const code = asString(failure.code);
        const label = asString(failure.operation) || asString(recorder.label);
        // Named by the method sent: an undeclared-method probe (ST204) is not the declared operation.
        const path = label.split(' ')[1];
        const operation = method && path ? `${method} ${path}` : label;
        unique.add([code, operation, status, asString(failure.message)].join('\u0000'));
        const finding = failures.get(code) ?? {
          title: asString(failure.title),
          operations: new Map<string, Set<string>>(),
        };
        failures.set(code, finding);
        const statuses = finding.operations.get(operation) ?? new Set<string>();
        finding.operations.set(operation, statuses.add(status));
      }
    }
  }
  return { failures, uniqueFailures: unique.size, errors };
}

async function fuzz(schemathesis: string, target: Started, token: string): Promise<Result> {
  const reportDir = join(reportRoot, target.name);
  await rm(reportDir, { recursive: true, force: true });
  await mkdir(reportDir, { recursive: true });
  const ndjson = join(reportDir, 'events.ndjson');
  const args = [
    '--config-file',
    join(root, 'schemathesis.toml'),
    'run',
    `${target.url}/docs/json`,
    '--url',
    target.url,
    '--checks',
    'all',
    '--header',
    `Authorization: Bearer ${token}`,
    '--max-examples',
    String(maxExamples),
    '--seed',
    String(seed),
    '--workers',
    String(workers),
    // Reproducible from the seed alone: no examples replayed from an earlier run's database.
    '--generation-database',
    'none',
    '--request-timeout',
    '30',
    // Every failing check of an operation, not only its first: one run lists all there is to fix.
    '--continue-on-failure',
    '--report',
    'junit,ndjson',
    '--report-dir',
    reportDir,
    '--report-junit-path',
    join(reportDir, 'junit.xml'),
    '--report-ndjson-path',
    ndjson,
    '--no-color',
    // `pnpm fuzz:api -- --continue-on-failure` and the like go to schemathesis as they are.
    ...extraArgs,
  ];
  // schemathesis' console goes to a file, not to this output: its closing lines are shaped like
  // pytest's ("=== 2 warnings in 7.18s ==="), and a CI that reads them takes the run for a pytest
  // run that executed no test. The summary below names every failure; the console is printed
  // only for a service that failed.
  const consolePath = join(reportDir, 'console.txt');
  const consoleFile = await open(consolePath, 'w');
  console.log(
    `fuzz:api: ${target.name} at ${target.url} (console: ${relative(root, consolePath)})`,
  );
  const begin = performance.now();
  // Run inside the report directory, wiped above: schemathesis keeps a crash cache in
  // ./.schemathesis/ and replays it first, which would make a run depend on the one before.
  child = spawn(schemathesis, args, {
    cwd: reportDir,
    stdio: ['ignore', consoleFile.fd, consoleFile.fd],
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  child = undefined;
  await consoleFile.close();
  const seconds = (performance.now() - begin) / 1000;
  const exitCode = code ?? (signal ? 128 : 1);
  if (exitCode !== 0) process.stdout.write(await readFile(consolePath, 'utf8'));
  return { name: target.name, exitCode, seconds, reportDir, ...(await readReport(ndjson)) };
}

function summary(results: readonly Result[], totalSeconds: number): string {
  const lines = [
    '',
    `fuzz:api summary: schemathesis ${SCHEMATHESIS_VERSION} --checks all --max-examples ${maxExamples} ` +
      `--seed ${seed} --workers ${workers}${extraArgs.length > 0 ? ` ${extraArgs.join(' ')}` : ''}`,
  ];
  for (const r of results) {
    const ok = r.exitCode === 0;
    lines.push(
      `  ${ok ? 'ok  ' : 'FAIL'} ${r.name}${stopping ? ' (interrupted)' : ''}: ${r.uniqueFailures} failing check/operation/status combinations, ${r.errors.length} errors, ` +
        `exit ${r.exitCode}, ${r.seconds.toFixed(0)} s`,
    );
    for (const [code, finding] of [...r.failures].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`       ${code} ${finding.title}`);
      for (const [operation, statuses] of [...finding.operations].sort(([a], [b]) =>
        a.localeCompare(b),
      )) {
        lines.push(`         ${operation.padEnd(44)} ${[...statuses].sort().join(' ')}`);
      }
    }
    for (const error of r.errors) lines.push(`       error ${error.split('\n')[0]}`);
    if (!ok) lines.push(`       reports and replays: ${relative(root, r.reportDir)}/`);
  }
  lines.push(
    `  total ${totalSeconds.toFixed(0)} s; service logs in ${relative(root, reportRoot)}/`,
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const begin = performance.now();
  const schemathesis = await ensureSchemathesis();
  await mkdir(reportRoot, { recursive: true });
  await startPlatform();
  const token = mintToken({
    tenantId: TENANT,
    scopes: [...SCOPES],
    subject: 'fuzz-api',
    secret: DEV_JWT_SECRET,
  });
  const results: Result[] = [];
  for (const target of started) {
    if (stopping) break;
    if (only.length > 0 && !only.includes(target.name)) continue;
    results.push(await fuzz(schemathesis, target, token));
  }
  console.log(summary(results, (performance.now() - begin) / 1000));
  const failed = results.filter((r) => r.exitCode !== 0);
  await mkdir(dirname(RESULT_FILES.fuzz), { recursive: true });
  await writeFile(
    RESULT_FILES.fuzz,
    JSON.stringify({ passed: results.length - failed.length, failed: failed.length }),
  );
  if (failed.length > 0) {
    console.error(
      `\nfuzz:api: ${failed.map((r) => r.name).join(', ')}: the OpenAPI document does not tell the truth (docs/design.md#openapi).`,
    );
    return 1;
  }
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A terminal's Ctrl-C reaches schemathesis too; both end, then every server is stopped.
    if (!stopping) console.error(`\nfuzz:api: ${signal}, stopping every server it started`);
    void stopAll().finally(() => process.exit(130));
  });
}

void main()
  .catch((error: unknown) => {
    console.error(
      `fuzz:api: ${error instanceof Error ? (error instanceof SetupError ? error.message : error.stack) : String(error)}`,
    );
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
