import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time in ms used so far (user + system, Linux /proc; undefined elsewhere): this process's
 * main thread (the servers under test; the load generator runs in a worker thread), and the
 * PostgreSQL and Kafka processes this process started (children reaped meanwhile included).
 * On a shared machine wall-clock rates swing with the neighbours' load; CPU per request barely
 * moves, so it shows where the cost of a path is, next to its rate.
 */
export interface CpuSample {
  readonly main: number;
  readonly postgres: number;
  readonly kafka: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Proc {
  readonly ppid: number;
  readonly comm: string;
  /** Its own user + system ticks. */
  readonly ticks: number;
  /** Those of its children that exited. */
  readonly childTicks: number;
}

function readStat(path: string): Proc | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // Fields after the command: state ppid ... utime(11) stime(12) cutime(13) cstime(14).
    const field = (i: number): number => Number(f[i] ?? 0);
    return {
      ppid: field(1),
      comm,
      ticks: field(11) + field(12),
      childTicks: field(13) + field(14),
    };
  } catch {
    return undefined;
  }
}

export function sampleCpu(): CpuSample | undefined {
  const main = readStat(`/proc/${process.pid}/task/${process.pid}/stat`);
  if (!main) return undefined;
  const procs = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const proc = readStat(`/proc/${entry}/stat`);
    if (proc) procs.set(Number(entry), proc);
  }
  const descends = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid ?? 0, depth = 0; p > 1 && depth < 20; depth += 1) {
      if (p === process.pid) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let postgres = 0;
  let kafka = 0;
  for (const [pid, proc] of procs) {
    if (!descends(pid)) continue;
    if (proc.comm.startsWith('postgres')) postgres += proc.ticks + proc.childTicks;
    else if (proc.comm === 'java') kafka += proc.ticks + proc.childTicks;
  }
  return { main: main.ticks * TICK_MS, postgres: postgres * TICK_MS, kafka: kafka * TICK_MS };
}

export function cpuBetween(
  before: CpuSample | undefined,
  after: CpuSample | undefined,
): CpuSample | undefined {
  if (!before || !after) return undefined;
  return {
    main: after.main - before.main,
    postgres: after.postgres - before.postgres,
    kafka: after.kafka - before.kafka,
  };
}
