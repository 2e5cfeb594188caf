/**
 * `pnpm bundle <service> [outdir]`: one ESM file per service, what its container image runs
 * (`node dist/main.mjs`). The workspace's own packages (@obs/*, TypeScript source) are compiled
 * in; every other package stays an import, installed beside it by `pnpm deploy --prod`. The OTLP
 * protocol definitions the kit reads at start are copied next to the bundle.
 */
import { build, type Plugin } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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

export async function bundleService(service: string, outdir: string): Promise<string> {
  const outfile = join(outdir, 'main.mjs');
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(root, 'services', service, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
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
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [service, outdir] = process.argv.slice(2);
  if (!service) {
    console.error('usage: pnpm bundle <service-name> [outdir]   e.g. pnpm bundle incident-service');
    process.exit(2);
  }
  const file = await bundleService(service, outdir ?? join(root, 'services', service, 'dist'));
  console.log(`bundled ${service} → ${file}`);
}
