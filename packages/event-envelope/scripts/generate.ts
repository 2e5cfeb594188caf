/**
 * Writes the JSON Schema of every event envelope and docs/asyncapi.yaml from the registry.
 * `--check` writes nothing and fails naming each stale file (CI: `pnpm check:generated`).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, findStaleArtefacts, generateArtefacts } from '../src/artefacts.js';

function check(): number {
  const { stale, orphaned } = findStaleArtefacts();
  for (const path of stale) console.error(`stale: ${path}`);
  for (const path of orphaned) console.error(`orphaned (no registered event): ${path}`);
  if (stale.length + orphaned.length === 0) {
    console.log('generated artefacts are up to date');
    return 0;
  }
  console.error('run `pnpm generate` and commit the result');
  return 1;
}

function generate(): number {
  const artefacts = generateArtefacts();
  for (const artefact of artefacts) {
    const file = join(REPO_ROOT, artefact.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, artefact.content);
  }
  // A removed event must not leave its schema behind looking current.
  for (const path of findStaleArtefacts().orphaned) rmSync(join(REPO_ROOT, path));
  console.log(`wrote ${artefacts.length} files`);
  return 0;
}

process.exitCode = process.argv.includes('--check') ? check() : generate();
