/**
 * `pnpm bundle <service> [outdir] [--node-modules <dir>]`: one ESM file per service, what its
 * container image runs (`node dist/main.mjs`). The workspace's own packages (@obs/*, TypeScript
 * source) are compiled in; every other package stays an import. The OTLP protocol definitions the
 * kit reads at start are copied next to the bundle, with `healthcheck.mjs` (the image's
 * HEALTHCHECK: PORT, or the service's own port when PORT is unset) and `db-roles.mjs` (the
 * least-privilege role bootstrap, packages/service-kit/src/db/roles.ts, for the deployment's job)
 * and `otlp-gateway.mjs` (the OTLP/HTTP front door on 4318, packages/service-kit/src/http/
 * otlp-gateway.ts: compose and the Container Apps template run it from the trace-service image).
 *
 * The bundle's dependency list is what its imports need at run time: the packages it imports and,
 * transitively, their `dependencies`, `optionalDependencies` and required peers, resolved as Node
 * resolves them. Optional peers (typeorm's mysql2 and its @types/node), what only development mode
 * loads by name (pino-pretty), test tools (azurite) and type packages (@types/*) are not on it.
 * With `--node-modules <dir>` (the output of `pnpm deploy --prod`), exactly that list is copied
 * from `<dir>/node_modules` to `<outdir>/../node_modules`: the image holds nothing else.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { SERVICE_PORTS, type ServiceName } from '@obs/service-kit';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

const packagesStayExternal: Plugin = {
  name: 'packages-stay-external',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@obs/') ? undefined : { path: args.path, external: true },
    );
  },
};

export interface BundleResult {
  readonly outfile: string;
  /** Packages the bundle imports (no subpaths, no Node built-ins), with the importing file's directory. */
  readonly imports: readonly BundleImport[];
}

export interface BundleImport {
  readonly name: string;
  /** Where the import was written: a workspace package resolves its imports from there. */
  readonly importerDir: string;
}

export async function bundleService(service: string, outdir: string): Promise<BundleResult> {
  const outfile = join(outdir, 'main.mjs');
  await mkdir(outdir, { recursive: true });
  const result = await build({
    // main.mjs, and db-roles.mjs: the deployment's role bootstrap job runs it from this image.
    entryPoints: [
      { in: join(root, 'services', service, 'src', 'main.ts'), out: 'main' },
      { in: join(root, 'packages', 'service-kit', 'src', 'db', 'roles-main.ts'), out: 'db-roles' },
      {
        in: join(root, 'packages', 'service-kit', 'src', 'http', 'otlp-gateway-main.ts'),
        out: 'otlp-gateway',
      },
    ],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    absWorkingDir: root,
    logLevel: 'warning',
    plugins: [packagesStayExternal],
    // CommonJS dependencies that call require() keep working from an ES module.
    banner: {
      js: "import { createRequire as __obsRequire } from 'node:module'; const require = __obsRequire(import.meta.url);",
    },
  });
  await cp(join(root, 'packages', 'service-kit', 'src', 'otlp', 'proto'), join(outdir, 'proto'), {
    recursive: true,
  });
  await writeFile(join(outdir, 'healthcheck.mjs'), healthcheckScript(service));
  return { outfile, imports: bundleImports(result.metafile) };
}

/** The image's HEALTHCHECK: GET /healthz on PORT, or on the service's own port without it. */
export function healthcheckScript(service: string): string {
  const port = SERVICE_PORTS[service as ServiceName];
  if (port === undefined) throw new Error(`unknown service ${service}`);
  return [
    `// ${service}: exit 0 when /healthz answers 2xx. PORT as the service reads it, else ${port}.`,
    `const port = process.env.PORT || '${port}';`,
    'fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) }).then(',
    '  (response) => process.exit(response.ok ? 0 : 1),',
    '  () => process.exit(1),',
    ');',
    '',
  ].join('\n');
}

const builtins = new Set(builtinModules);

/** The bundle's external package imports, each with the directory of a file importing it. */
export function bundleImports(metafile: Metafile): BundleImport[] {
  const found = new Map<string, BundleImport>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const { path, external } of imports) {
      if (!external || path.startsWith('node:') || builtins.has(path.split('/')[0] ?? '')) continue;
      const parts = path.split('/');
      const name = path.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
      const importerDir = dirname(join(root, input));
      found.set(`${name} ${importerDir}`, { name, importerDir });
    }
  }
  return [...found.values()];
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent directory's. */
function resolvePackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

export interface ProductionDependency {
  readonly name: string;
  readonly version: string;
  /** The package's directory (real path). */
  readonly dir: string;
}

/**
 * The dependency list: the imported packages and what they need at run time, resolved from where
 * each import was written, or all from `fromDir` (a `pnpm deploy` tree, where the bundle runs). A
 * missing optional dependency is skipped (as npm does); a missing required one throws.
 */
export function productionDependencies(
  imports: readonly BundleImport[],
  fromDir?: string,
): ProductionDependency[] {
  const found = new Map<string, ProductionDependency>();
  const visit = (name: string, from: string, required: boolean): void => {
    if (name.startsWith('@types/')) return;
    const dir = resolvePackage(name, from);
    if (dir === undefined) {
      if (required) throw new Error(`${name} (needed from ${from}) is not installed`);
      return;
    }
    if (found.has(dir)) return;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    found.set(dir, { name: pkg.name, version: pkg.version, dir });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, true);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) {
      if (!pkg.peerDependenciesMeta?.[dep]?.optional) visit(dep, dir, true);
    }
  };
  for (const { name, importerDir } of imports) visit(name, fromDir ?? importerDir, true);
  const unique = new Map([...found.values()].map((d) => [`${d.name}@${d.version}`, d]));
  return [...(fromDir === undefined ? unique.values() : found.values())].sort((a, b) =>
    `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`),
  );
}

/** Copies the dependency list out of a `pnpm deploy --prod` tree, keeping its layout. */
async function copyDependencies(
  dependencies: readonly ProductionDependency[],
  deployDir: string,
  targetDir: string,
): Promise<void> {
  const base = realpathSync(deployDir);
  for (const dependency of dependencies) {
    const path = relative(base, dependency.dir);
    if (path.startsWith('..')) throw new Error(`${dependency.dir} is outside ${deployDir}`);
    await cp(dependency.dir, join(targetDir, path), { recursive: true, dereference: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--node-modules');
  const deployDir = flag >= 0 ? args[flag + 1] : undefined;
  const [service, outdir] = flag >= 0 ? args.filter((_, i) => i !== flag && i !== flag + 1) : args;
  if (!service || (flag >= 0 && !deployDir)) {
    console.error(
      'usage: pnpm bundle <service-name> [outdir] [--node-modules <pnpm deploy dir>]   e.g. pnpm bundle incident-service',
    );
    process.exit(2);
  }
  const out = outdir ?? join(root, 'services', service, 'dist');
  const { outfile, imports } = await bundleService(service, out);
  const dependencies = productionDependencies(imports, deployDir);
  await writeFile(
    join(out, 'dependencies.json'),
    `${JSON.stringify(
      dependencies.map(({ name, version }) => `${name}@${version}`),
      null,
      2,
    )}\n`,
  );
  if (deployDir) await copyDependencies(dependencies, deployDir, join(out, '..'));
  console.log(`bundled ${service} → ${outfile} (${dependencies.length} packages on its list)`);
}
