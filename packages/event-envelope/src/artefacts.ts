import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi.js';
import { eventJsonSchemaDocument, schemaFileName } from './json-schema.js';
import { registeredEvents } from './registry.js';

/*
 * Not exported from index.ts: it needs `yaml` (a dev dependency) and the file system, which
 * services importing the envelope at runtime must not pull in.
 */

/** Repository root, from this file's place in packages/event-envelope/src. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCHEMAS_DIR = 'packages/event-envelope/schemas';
export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';

export interface Artefact {
  /** Relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly content: string;
}

/** Two-space JSON with a final newline: what editors and Prettier would leave alone. */
function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function renderYaml(value: unknown): string {
  // No anchors for repeated objects and no line folding: both would make diffs noisy. The 1.1
  // schema quotes timestamp-like strings, which YAML 1.1 readers (js-yaml, PyYAML) would otherwise
  // turn into dates inside the examples.
  return stringify(value, { schema: 'yaml-1.1', aliasDuplicateObjects: false, lineWidth: 0 });
}

/** Every generated file, in memory. Pure and deterministic: same registry, same bytes. */
export function generateArtefacts(): Artefact[] {
  return [
    ...registeredEvents().map((entry) => ({
      path: `${SCHEMAS_DIR}/${schemaFileName(entry)}`,
      content: renderJson(eventJsonSchemaDocument(entry)),
    })),
    { path: ASYNCAPI_PATH, content: renderYaml(buildAsyncApiDocument()) },
  ];
}

export interface StaleReport {
  /** Generated files whose committed content differs or that are missing. */
  readonly stale: readonly string[];
  /** Schema files on disk that no registered event generates any more. */
  readonly orphaned: readonly string[];
}

/** Compares the committed artefacts with a fresh in-memory generation. */
export function findStaleArtefacts(root: string = REPO_ROOT): StaleReport {
  const artefacts = generateArtefacts();
  const stale = artefacts
    .filter((artefact) => {
      const file = join(root, artefact.path);
      return !existsSync(file) || readFileSync(file, 'utf8') !== artefact.content;
    })
    .map((artefact) => artefact.path);
  const expected = new Set(artefacts.map((artefact) => artefact.path));
  const schemasDir = join(root, SCHEMAS_DIR);
  const orphaned = existsSync(schemasDir)
    ? readdirSync(schemasDir)
        .map((name) => `${SCHEMAS_DIR}/${name}`)
        .filter((path) => !expected.has(path))
        .sort()
    : [];
  return { stale, orphaned };
}
