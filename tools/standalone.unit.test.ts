import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The repository stands alone: a fresh clone has everything its files refer to. The design and
// the specification used to live beside the checkout and are now docs/design.md and
// docs/spec/aggregate-roots.txt. Every git-tracked text file is read; a reference that leaves the
// repository, or a Markdown link to a file that does not exist, fails the run with its file and
// line.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

interface TextFile {
  /** Path from the repository root, with forward slashes (as git prints it). */
  readonly path: string;
  readonly text: string;
}

/** Every tracked file that is text (no NUL byte), in git's order. */
function trackedTextFiles(): TextFile[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  const files: TextFile[] = [];
  for (const path of listed.split('\0').filter(Boolean)) {
    const absolute = join(root, path);
    // A tracked file deleted in the working tree is not part of what is being checked.
    if (!existsSync(absolute)) continue;
    const bytes = readFileSync(absolute);
    if (bytes.includes(0)) continue;
    files.push({ path, text: bytes.toString('utf8') });
  }
  return files;
}

/** Repository-relative path of `target` seen from `file`, or undefined when it leaves the root. */
function resolveFrom(file: string, target: string): string | undefined {
  const from = target.startsWith('/') ? root : dirname(join(root, file));
  const inRepo = relative(root, resolve(from, target.replace(/^\/+/, '')));
  if (inRepo === '..' || inRepo.startsWith(`..${sep}`)) return undefined;
  return inRepo.split(sep).join('/');
}

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

// Built from pieces so that this file does not name, and trip over, what it looks for.
const OLD_HOME = ['', 'shared', ''].join('/');
/** The workspace the repository was once written in, and its notes beside the repository. */
const OLD_WORKSPACE = ['', 'work', ''].join('/');
const OLD_NAMES = [
  `${OLD_HOME}DESIGN.md`,
  `${OLD_HOME}spec/`,
  OLD_WORKSPACE,
  ['notes', 'event-payloads.md'].join('/'),
];

/**
 * A relative path written anywhere (code, comment, string, Markdown, YAML, Bicep): `../` or
 * `./../` at the start of a token, up to a character that cannot be part of a path. Not preceded
 * by a word character, `.`, `/` or `-`, so `.../history` and `a/../b` are not taken for one.
 */
const RELATIVE_PATH = /(?<![\w./-])((?:\.\/)?(?:\.\.\/)+[^\s'"`()<>[\]{},;|*\\]*)/g;

/**
 * Paths in these files are not relative to the file itself, so resolving them from it would be
 * wrong: the lockfile's `link:` paths are relative to each workspace importer, not to the lockfile.
 */
const NOT_FILE_RELATIVE = new Set(['pnpm-lock.yaml']);

/** References in `file` that leave the repository, as `file:line: why` lines. */
function escapes(file: TextFile): string[] {
  const found: string[] = [];
  for (const name of OLD_NAMES) {
    for (let at = file.text.indexOf(name); at !== -1; at = file.text.indexOf(name, at + 1)) {
      found.push(
        `${file.path}:${lineOf(file.text, at)}: names ${name.replace(/^\//, '')}, outside the repository`,
      );
    }
  }
  if (NOT_FILE_RELATIVE.has(file.path)) return found;
  for (const match of file.text.matchAll(RELATIVE_PATH)) {
    const target = (match[1] ?? '').replace(/[.:]+$/, '');
    const where = `${file.path}:${lineOf(file.text, match.index)}`;
    const inRepo = resolveFrom(file.path, target);
    if (inRepo === undefined) {
      found.push(`${where}: ${target} resolves outside the repository`);
    } else if (target.includes(`..${OLD_HOME}`)) {
      // The design and the spec once lived in a `shared` folder beside the repository; no
      // folder of that name is left inside it, so any path through one points at the old home.
      found.push(`${where}: ${target} names a shared folder, which the repository does not have`);
    }
  }
  return found;
}

/** Markdown with fenced blocks and inline code blanked (same length, same lines). */
function proseOf(markdown: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank)
    .replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, blank);
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' slugs and its explicit `id`/`name`s. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const prose = proseOf(markdown);
  for (const match of prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    // The heading text with its code spans, which proseOf blanked, read from the original.
    const heading = markdown
      .slice(match.index, match.index + match[0].length)
      .replace(/^#+\s+/, '');
    const slug = slugOf(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of prose.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOfFile(inRepo: string): Set<string> {
  let anchors = anchorCache.get(inRepo);
  if (!anchors) {
    anchors = anchorsOf(readFileSync(join(root, inRepo), 'utf8'));
    anchorCache.set(inRepo, anchors);
  }
  return anchors;
}

/** Inline links `[text](target)`, images, reference definitions `[id]: target` and `href`s. */
const MARKDOWN_LINK =
  /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)|href="([^"]+)"/gm;

/** `%20` and the like decoded; a malformed escape is kept as written (and then not found). */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Relative Markdown links whose file (or anchor in a Markdown file) does not exist. */
function brokenLinks(file: TextFile): string[] {
  const found: string[] = [];
  for (const match of proseOf(file.text).matchAll(MARKDOWN_LINK)) {
    const link = match[1] ?? match[2] ?? match[3] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: and the like
    const where = `${file.path}:${lineOf(file.text, match.index)}`;
    const [pathPart = '', fragment] = link.split('#', 2);
    const path = safeDecode(pathPart.split('?')[0] ?? '');
    const inRepo = path === '' ? file.path : resolveFrom(file.path, path);
    if (inRepo === undefined) {
      found.push(`${where}: ${link} leaves the repository`);
    } else if (!existsSync(join(root, inRepo))) {
      found.push(`${where}: ${link} names ${inRepo}, which does not exist`);
    } else if (fragment && inRepo.endsWith('.md') && !anchorsOfFile(inRepo).has(fragment)) {
      found.push(`${where}: ${link} names an anchor ${inRepo} does not have`);
    }
  }
  return found;
}

/** A `docs/design.md` link with an anchor, in code or comments, must name a section it has. */
function unknownDesignAnchors(file: TextFile): string[] {
  const found: string[] = [];
  const anchors = anchorsOfFile('docs/design.md');
  for (const match of file.text.matchAll(/docs\/design\.md#([\w-]+)/g)) {
    if (!anchors.has(match[1] ?? '')) {
      found.push(
        `${file.path}:${lineOf(file.text, match.index)}: docs/design.md has no #${match[1]}`,
      );
    }
  }
  return found;
}

const files = trackedTextFiles();
const markdown = files.filter((file) => file.path.endsWith('.md'));

describe('the repository stands alone', () => {
  it('reads the tracked files, among them the design and the specification', () => {
    const paths = files.map((file) => file.path);
    expect(paths).toContain('README.md');
    expect(paths).toContain('docs/design.md');
    expect(paths).toContain('docs/spec/aggregate-roots.txt');
  });

  it('no tracked file refers to a path outside the repository', () => {
    expect(files.flatMap(escapes)).toEqual([]);
  });

  it('every relative link in README.md and docs/**/*.md (and every other .md) exists', () => {
    expect(markdown.some((file) => file.path.startsWith('docs/'))).toBe(true);
    expect(markdown.flatMap(brokenLinks)).toEqual([]);
  });

  it('every design anchor written in a tracked file names a section of docs/design.md', () => {
    expect(files.flatMap(unknownDesignAnchors)).toEqual([]);
  });
});

describe('the checks can fail', () => {
  // Samples are built from pieces, so that this file itself passes the checks above.
  const UP = ['..', ''].join('/');
  const DESIGN_AT = ['docs/design.md', ''].join('#');
  const at = (path: string, text: string): TextFile => ({ path, text });

  it('names the file and line of a link or path to the old design outside the repository', () => {
    const readme = at('README.md', `# x\n\nSee [design](..${OLD_HOME}DESIGN.md).\n`);
    expect(escapes(readme)).toEqual([
      `README.md:3: names ${OLD_NAMES[0]?.slice(1)}, outside the repository`,
      `README.md:3: ..${OLD_HOME}DESIGN.md resolves outside the repository`,
    ]);
    expect(brokenLinks(readme)).toEqual([
      `README.md:3: ..${OLD_HOME}DESIGN.md leaves the repository`,
    ]);
  });

  it('refuses an absolute path into the old workspace and its notes', () => {
    const code = at('packages/x.ts', `// contract: ${OLD_WORKSPACE}${OLD_NAMES[3] ?? ''}\n`);
    expect(escapes(code)).toEqual([
      `packages/x.ts:1: names ${OLD_WORKSPACE.slice(1)}, outside the repository`,
      `packages/x.ts:1: names ${OLD_NAMES[3] ?? ''}, outside the repository`,
    ]);
  });

  it('refuses any relative path that climbs above the root, in code as in prose', () => {
    const code = at('tools/x.ts', `// one\nconst spec = '${UP}${UP}elsewhere/spec.txt';\n`);
    expect(escapes(code)).toEqual([
      `tools/x.ts:2: ${UP}${UP}elsewhere/spec.txt resolves outside the repository`,
    ]);
  });

  it('accepts paths that stay inside, and refuses any path through a shared folder', () => {
    const file = 'packages/domain/src/incident/x.ts';
    const domain = at(
      file,
      `import { DomainError } from '${UP}kernel/domain-error.js';\n` +
        `const r = new URL('${UP}${UP}${UP}', import.meta.url);\n`,
    );
    expect(escapes(domain)).toEqual([]);
    const shared = at(file, `import { ensure } from '..${OLD_HOME}domain-error.js';\n`);
    expect(escapes(shared)).toEqual([
      `${file}:1: ..${OLD_HOME}domain-error.js names a shared folder, which the repository does not have`,
    ]);
  });

  it('refuses a Markdown link to a missing file or anchor, and ignores code and URLs', () => {
    const doc = at(
      'docs/services/x.md',
      [
        `[ok](${UP}design.md#ports) [web](https://example.com/${UP}x) \`[code](${UP}${UP}${UP}x)\``,
        `[gone](${UP}nope.md) [bad anchor](${UP}design.md#no-such-section)`,
        '```',
        `[in a block](${UP}${UP}${UP}${UP}x)`,
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(doc)).toEqual([
      `docs/services/x.md:2: ${UP}nope.md names docs/nope.md, which does not exist`,
      `docs/services/x.md:2: ${UP}design.md#no-such-section names an anchor docs/design.md does not have`,
    ]);
  });

  it('refuses a design anchor that docs/design.md does not have', () => {
    const code = at('packages/x.ts', `// ${DESIGN_AT}ports and ${DESIGN_AT}nowhere\n`);
    expect(unknownDesignAnchors(code)).toEqual([`packages/x.ts:1: docs/design.md has no #nowhere`]);
  });

  it('takes GitHub’s anchors from headings', () => {
    expect([...anchorsOf('# A b\n## 5. Formulas\n### SLO (`evaluateSlo`)\n## A b\n')]).toEqual([
      'a-b',
      '5-formulas',
      'slo-evaluateslo',
      'a-b-1',
    ]);
  });
});
