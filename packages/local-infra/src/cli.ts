/**
 * `pnpm infra up`     starts PostgreSQL, Kafka and Azurite with persistent data under <repo>/.data,
 *                     prints their env lines (also written to .data/infra.env) and stays in the
 *                     foreground; Ctrl-C (or SIGTERM) stops all three cleanly.
 * `pnpm infra down`   from another terminal: signals that foreground process (pid in
 *                     .data/infra.pid) and waits until it has stopped everything.
 * `pnpm infra status` prints the env lines of the running instance.
 *
 * Foreground on purpose: one owner process means the servers can never outlive it unnoticed (each is
 * also guarded by a parent-death watchdog), and `down` only needs that one pid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  infraEnv,
  persistentInfraOptions,
  startLocalInfra,
  type InfraEnv,
  type InfraPorts,
} from './infra.js';
import { ensureDataRoot } from './paths.js';
import { portOrFree } from './ports.js';

function envLines(env: InfraEnv): string {
  // Single quotes: the Azure connection string contains ';', which a shell would split on.
  return Object.entries(env)
    .map(([key, value]) => `${key}='${value}'`)
    .join('\n');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runningPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  return Number.isFinite(pid) && pidAlive(pid) ? pid : undefined;
}

function readPorts(file: string): InfraPorts {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as InfraPorts;
  } catch {
    return {};
  }
}

async function up(root: string): Promise<void> {
  const files = {
    pid: join(root, 'infra.pid'),
    env: join(root, 'infra.env'),
    ports: join(root, 'infra.ports.json'),
  };
  const existing = runningPid(files.pid);
  if (existing !== undefined) {
    console.error(`local infra is already running (pid ${existing}); its env is in ${files.env}`);
    process.exitCode = 1;
    return;
  }
  // Same ports as last time when they are free, so a service's .env keeps working.
  const previous = readPorts(files.ports);
  const ports = {
    postgres: await portOrFree(previous.postgres),
    kafka: await portOrFree(previous.kafka),
    kafkaController: await portOrFree(previous.kafkaController),
    azurite: await portOrFree(previous.azurite),
  };
  console.error('starting PostgreSQL, Kafka and Azurite (data in .data/) ...');
  const options = persistentInfraOptions(root, ports);
  const infra = await startLocalInfra({
    ...options,
    kafka: { ...options.kafka, onProgress: (message) => console.error(message) },
  });
  const lines = envLines(infraEnv(infra));
  await writeFile(files.env, `${lines}\n`);
  await writeFile(files.ports, `${JSON.stringify(ports, null, 2)}\n`);
  await writeFile(files.pid, `${process.pid}\n`);
  console.log(lines);
  const { timings } = infra;
  console.error(
    `\nup in postgres ${timings.postgres} ms, kafka ${timings.kafka} ms, azurite ${timings.azurite} ms. ` +
      `Env written to ${files.env}. Ctrl-C or \`pnpm infra down\` stops everything.`,
  );

  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error('forced exit');
      process.exit(130);
    }
    stopping = true;
    console.error(`\n${signal}: stopping local infra ...`);
    void infra
      .stop()
      .then(() => Promise.all([rm(files.pid, { force: true }), rm(files.env, { force: true })]))
      .then(() => {
        clearInterval(keepAlive);
        console.error('stopped');
        process.exit(0);
      });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
}

async function down(root: string): Promise<void> {
  const pidFile = join(root, 'infra.pid');
  const pid = runningPid(pidFile);
  if (pid === undefined) {
    console.error('local infra is not running');
    await rm(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(200);
  if (pidAlive(pid)) {
    // Its servers' watchdogs stop them once it is gone.
    process.kill(pid, 'SIGKILL');
    console.error(`pid ${pid} did not stop within 60 s and was killed`);
  } else {
    console.error('local infra stopped');
  }
}

function status(root: string): void {
  const pid = runningPid(join(root, 'infra.pid'));
  if (pid === undefined) {
    console.error('local infra is not running');
    process.exitCode = 1;
    return;
  }
  console.log(readFileSync(join(root, 'infra.env'), 'utf8').trimEnd());
}

async function main(): Promise<void> {
  const root = await ensureDataRoot();
  const command = process.argv[2];
  switch (command) {
    case 'up':
      return up(root);
    case 'down':
      return down(root);
    case 'status':
      return status(root);
    default:
      console.error('usage: pnpm infra <up|down|status>');
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
