import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// `pnpm install` prints a warning box for every installed package with an install script that
// the workspace neither allows (onlyBuiltDependencies) nor declines (ignoredBuiltDependencies).
// A newcomer's first command must be quiet, so every such package is decided in
// pnpm-workspace.yaml. This reads what is installed, whatever earlier installs remembered.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
  onlyBuiltDependencies?: string[];
  ignoredBuiltDependencies?: string[];
};
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/** Every package in pnpm's virtual store (node_modules/.pnpm/<id>/node_modules/<name>). */
function installedPackages(): { name: string; dir: string }[] {
  const store = join(root, 'node_modules', '.pnpm');
  const found: { name: string; dir: string }[] = [];
  for (const id of readdirSync(store)) {
    const modules = join(store, id, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const entry of readdirSync(modules)) {
      const names = entry.startsWith('@')
        ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`)
        : [entry];
      for (const name of names) found.push({ name, dir: join(modules, name) });
    }
  }
  return found;
}

/** pnpm runs a package's install scripts, or `node-gyp rebuild` when it ships a binding.gyp. */
function buildsOnInstall(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  const { scripts = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return INSTALL_SCRIPTS.some((s) => s in scripts) || existsSync(join(dir, 'binding.gyp'));
}

describe('pnpm install', () => {
  it('decides every installed package with an install script, so it prints no warning', () => {
    const decided = new Set([
      ...(workspace.onlyBuiltDependencies ?? []),
      ...(workspace.ignoredBuiltDependencies ?? []),
    ]);
    const withScripts = [
      ...new Set(
        installedPackages()
          .filter((p) => buildsOnInstall(p.dir))
          .map((p) => p.name),
      ),
    ];
    expect(withScripts.length).toBeGreaterThan(0); // the walk found the store at all
    expect(withScripts.filter((name) => !decided.has(name)).sort()).toEqual([]);
  });
});
