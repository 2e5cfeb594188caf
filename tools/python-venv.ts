import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Something the machine lacks; the message says what to install. */
export class SetupError extends Error {}

export function run(command: string, args: readonly string[]): { code: number; output: string } {
  const result = spawnSync(command, [...args], { cwd: root, encoding: 'utf8' });
  if (result.error) return { code: -1, output: result.error.message };
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/**
 * A project-local virtual environment holding exactly these pinned Python tools (schemathesis for
 * `pnpm fuzz:api`, the Compose CLI and checkov for `pnpm check:infra`), made on first use so a
 * fresh machine needs only python3 with venv. Answers the environment's bin directory.
 */
export async function ensureVenv(options: {
  readonly dir: string;
  readonly requirements: readonly string[];
  /** Prefix of the progress lines, e.g. `fuzz:api`. */
  readonly label: string;
  readonly python?: string;
}): Promise<string> {
  const python3 = options.python ?? 'python3';
  const bin = join(options.dir, 'bin');
  const venvPython = join(bin, 'python');
  const marker = join(options.dir, 'obs-requirements.txt');
  const wanted = `${options.requirements.join('\n')}\n`;
  const where = relative(root, options.dir);
  const pythonWorks = existsSync(venvPython) && run(venvPython, ['--version']).code === 0;
  if (pythonWorks && existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return bin;

  // A venv whose interpreter is gone (python3 upgraded or removed) is made afresh.
  if (!pythonWorks) {
    const python = run(python3, ['--version']);
    if (python.code !== 0) {
      throw new SetupError(
        `python3 is needed for ${options.label} and was not found. Install it (Debian/Ubuntu: ` +
          '`apt-get install python3 python3-venv`).',
      );
    }
    // Debian splits ensurepip (and so `python3 -m venv`) into python3-venv: check before creating
    // a venv that would be left half-made.
    if (run(python3, ['-c', 'import ensurepip']).code !== 0) {
      throw new SetupError(
        `${python.output.trim()} cannot create virtual environments (ensurepip is missing). ` +
          'Install it with `apt-get install python3-venv` (Debian/Ubuntu), then run again.',
      );
    }
    console.log(`${options.label}: creating ${where}/ (${python.output.trim()})`);
    await rm(options.dir, { recursive: true, force: true });
    const created = run(python3, ['-m', 'venv', options.dir]);
    if (created.code !== 0) {
      await rm(options.dir, { recursive: true, force: true });
      throw new SetupError(`${python3} -m venv failed:\n${created.output.trim()}`);
    }
  }
  console.log(`${options.label}: installing ${options.requirements.join(' ')} into ${where}/`);
  const pip = run(venvPython, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    ...options.requirements,
  ]);
  if (pip.code !== 0) {
    throw new SetupError(
      `pip could not install ${options.requirements.join(' ')}:\n${pip.output.trim()}`,
    );
  }
  await writeFile(marker, wanted);
  return bin;
}
