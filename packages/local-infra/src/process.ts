import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Parent-death guard. A detached `sh` blocks reading a pipe whose only writer is this Node process;
 * when this process goes away in ANY way (normal exit, crash, SIGKILL) the read returns EOF and the
 * shell signals the target, escalating to SIGKILL after 15 s. `release()` disarms it after a clean stop.
 * `target` is a pid, or a negative pid for a whole process group.
 */
const WATCHDOG_SCRIPT = [
  'read -r _',
  'kill -s "$2" -- "$1" 2>/dev/null || exit 0',
  'i=0',
  'while kill -s 0 -- "$1" 2>/dev/null && [ "$i" -lt 15 ]; do sleep 1; i=$((i+1)); done',
  'kill -s KILL -- "$1" 2>/dev/null',
].join('\n');

export interface Watchdog {
  release(): void;
}

export function guardAgainstParentDeath(target: number, signal: NodeJS.Signals): Watchdog {
  // POSIX `kill -s` (dash) wants the name without the SIG prefix.
  const name = signal.replace(/^SIG/, '');
  const guard = spawn(
    '/bin/sh',
    ['-c', WATCHDOG_SCRIPT, 'obs-local-infra-watchdog', String(target), name],
    {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  guard.on('error', () => undefined);
  guard.unref();
  if (guard.stdin instanceof Socket) guard.stdin.unref();
  guard.stdin?.on('error', () => undefined);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // Killed while still blocked in `read`, so it never signals the target.
      guard.kill('SIGKILL');
      guard.stdin?.destroy();
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

// Groups still running when this process exits get SIGTERM synchronously; the watchdog is the
// backstop for deaths where no 'exit' handler runs.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGTERM');
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** Signals the whole process group, waits for every member to go, escalates to SIGKILL. */
  stop(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<void>;
}

export interface SpawnManagedOptions {
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts a long-running server in its own process group, guarded against orphaning. */
export function spawnManaged(options: SpawnManagedOptions): Promise<ManagedProcess> {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start ${options.command}: ${error.message}`)),
    );
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) {
        reject(new Error(`cannot start ${options.command}: no pid`));
        return;
      }
      child.unref();
      trackGroup(pid);
      const watchdog = guardAgainstParentDeath(-pid, 'SIGTERM');
      let running = true;
      const exited = new Promise<ExitInfo>((resolveExit) => {
        child.once('exit', (code, signal) => {
          running = false;
          resolveExit({ code, signal });
        });
      });
      const stop = async ({
        signal = 'SIGTERM',
        timeoutMs = 20_000,
      }: { signal?: NodeJS.Signals; timeoutMs?: number } = {}) => {
        if (!running && !groupAlive(pid)) {
          liveGroups.delete(pid);
          watchdog.release();
          return;
        }
        signalGroup(pid, signal);
        const deadline = Date.now() + timeoutMs;
        while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
        if (groupAlive(pid)) {
          signalGroup(pid, 'SIGKILL');
          const killDeadline = Date.now() + 5_000;
          while (groupAlive(pid) && Date.now() < killDeadline) await sleep(50);
        }
        await settleWithin(exited, 1_000);
        liveGroups.delete(pid);
        watchdog.release();
      };
      resolve({ pid, exited, isRunning: () => running, stop });
    });
  });
}

/** Waits for `promise` at most `ms`; true when it settled in time. Leaves no timer behind. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last `lines` lines of a log file (reads at most the last 64 KiB), or '' when absent. */
export function tailFile(path: string, lines = 40): string {
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  const text = readFileSync(path)
    .subarray(Math.max(0, size - 65_536))
    .toString('utf8');
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting early with this error message when it returns a string (e.g. the process died). */
  failFast?: () => string | undefined;
}

/** Polls `ready` until it resolves true; rejects with the last failure after the timeout. */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  options: WaitForOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    const fatal = options.failFast?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${what}: not ready after ${options.timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/**
 * Runs a short command to completion, collecting stdout+stderr. Rejects with ENOENT-style errors
 * only when the command cannot be started at all.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    uid?: number;
    gid?: number;
    timeoutMs?: number;
    /** Sees stdout and stderr as they arrive (they are collected all the same). */
    onOutput?: (chunk: string) => void;
  } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      options.onOutput?.(chunk.toString('utf8'));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

/** True when `command` can be executed (found on PATH). */
export async function commandAvailable(
  command: string,
  versionArgs: readonly string[] = ['--version'],
): Promise<boolean> {
  try {
    await runCommand(command, versionArgs, { timeoutMs: 30_000 });
    return true;
  } catch {
    return false;
  }
}
