import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every `pnpm <command>` the documentation tells a reader to type runs what it says: a command
// of pnpm's own, or a script of the root package.json. A script named like one of npm's commands
// that pnpm hands to npm (`pnpm token` runs `npm token`) must be written `pnpm run <script>`.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: object }).scripts,
);
/** pnpm's own commands the docs use. */
const PNPM_COMMANDS = ['install', 'i', 'add', 'run', 'exec', 'dlx', 'fetch', '--filter', '-r'];
/** npm commands pnpm 10 passes through to npm instead of running a script of that name. */
const NPM_PASSTHROUGH = [
  'access',
  'adduser',
  'bugs',
  'deprecate',
  'dist-tag',
  'docs',
  'edit',
  'find',
  'home',
  'info',
  'issues',
  'login',
  'logout',
  'owner',
  'ping',
  'prefix',
  'profile',
  'pkg',
  'repo',
  's',
  'se',
  'search',
  'set-script',
  'show',
  'star',
  'stars',
  'team',
  'token',
  'unpublish',
  'unstar',
  'v',
  'version',
  'view',
  'whoami',
  'xmas',
];

function docs(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.md'))
    .map((file) => join(dir, file));
}

const files = ['README.md', ...docs('docs'), join('infra', 'bicep', 'README.md')];
const commands = files.flatMap((file) =>
  // At the start of a code span or of a line (a fenced block), after any VAR=value prefixes.
  [
    ...readFileSync(join(root, file), 'utf8').matchAll(
      /(?:^|`)(?:[A-Z_]+=\S+\s+)*pnpm ([a-z:-]+)/gm,
    ),
  ]
    .map((m) => m[1] ?? '')
    .map((command) => ({ file, command })),
);

describe('pnpm commands in the documentation', () => {
  it('finds the commands at all', () => {
    expect(commands.map((c) => c.command)).toContain('start');
  });

  it.each(files)('%s names only pnpm commands and root scripts that pnpm runs', (file) => {
    const wrong = commands
      .filter((c) => c.file === file)
      .map((c) => c.command)
      .filter((command) => !PNPM_COMMANDS.includes(command))
      .filter((command) => !scripts.includes(command) || NPM_PASSTHROUGH.includes(command));
    expect(wrong).toEqual([]);
  });
});
