import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` under a lock file in `cacheDir` holding the owner's pid, so concurrent test workers
 * share one fetch or build of a cached artefact; a lock whose owner died is taken over.
 * `isDone` is checked before and after taking the lock: a waiter gets `done()` without working.
 */
export async function withFetchLock<T>(
  what: string,
  cacheDir: string,
  isDone: () => boolean,
  work: () => Promise<T>,
  done: () => T,
  waitMs = 30 * 60 * 1000,
): Promise<T> {
  const lockPath = join(cacheDir, '.fetch.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (isDone()) return done();
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isFinite(owner) && !pidAlive(owner)) await rm(lockPath, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`timed out waiting for another process fetching ${what} (${lockPath})`);
      else await sleep(500);
    }
  }
  try {
    return isDone() ? done() : await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}
