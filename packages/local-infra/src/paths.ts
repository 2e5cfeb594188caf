import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest ancestor of this package holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(
        'local-infra: cannot find the repository root (no pnpm-workspace.yaml above it)',
      );
    dir = parent;
  }
}

/** `<repo>/.data`, created on demand. */
export function dataRoot(): string {
  return join(repoRoot(), '.data');
}

/**
 * Creates `<repo>/.data` world-traversable: PostgreSQL runs as a dedicated user when we are root,
 * and that user must be able to reach its data directory below it.
 */
export async function ensureDataRoot(): Promise<string> {
  const root = dataRoot();
  if (!existsSync(root)) {
    await mkdir(root, { recursive: true });
    await chmod(root, 0o755);
  }
  return root;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const OWNER_FILE = '.obs-owner-pid';

/**
 * A fresh temp dir `<tmp>/<prefix>XXXXXX` tagged with this process's pid. Dirs with the same prefix
 * whose owner died without cleaning up (SIGKILL, crash) are removed first.
 */
export async function makeEphemeralDir(prefix: string): Promise<string> {
  const base = tmpdir();
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(base, name);
    const owner = Number.parseInt(
      await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''),
      10,
    );
    if (Number.isFinite(owner) && owner !== process.pid && !pidAlive(owner)) {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const dir = await mkdtemp(join(base, prefix));
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`);
  return dir;
}
