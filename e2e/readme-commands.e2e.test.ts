import { findFreePort } from '@obs/local-infra';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

// What a newcomer runs is tested: the README's block that starts one service as its own process
// and mints a token for it runs here as written, in one bash, with only the database and broker
// addresses swapped for the test's own.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const infra = inject('infra');

/** The README's fenced sh block that contains `needle`. */
function readmeBlock(needle: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks.find((b) => b.includes(needle));
  if (!block) throw new Error(`README.md has no sh block with ${needle}`);
  return block;
}

/** A shell as a newcomer has it: no test mode, no secret, no service settings of the runner's. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['NODE_ENV', 'JWT_SECRET', 'DATABASE_URL', 'KAFKA_BROKERS', 'VITEST']) {
    delete env[name];
  }
  return env;
}

let shell: ChildProcess | undefined;
afterAll(() => {
  // The block backgrounds the service: end the whole process group bash leads.
  if (shell?.pid !== undefined && shell.exitCode === null) process.kill(-shell.pid, 'SIGTERM');
});

describe('README: one service as its own process', () => {
  it('starts incident-service, and the token the block mints is accepted by it', async () => {
    const block = readmeBlock('pnpm --filter @obs/incident-service start');
    const script = block
      .replace(/DATABASE_URL=\S+/, `DATABASE_URL=${infra.databaseUrl}`)
      .replace(/KAFKA_BROKERS=\S+/, `KAFKA_BROKERS=${infra.kafkaBrokers}`);
    expect(script).not.toBe(block); // the block names both addresses
    const port = await findFreePort();
    shell = spawn('bash', ['-e', '-c', `${script}\nwait`], {
      cwd: root,
      detached: true,
      env: { ...newcomerEnv(), PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    shell.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    let token: string | undefined;
    let ready = false;
    while (!(ready && token) && Date.now() < deadline) {
      if (shell.exitCode !== null)
        throw new Error(`the block exited ${shell.exitCode}:\n${output}`);
      token ??= /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(output)?.[1];
      ready ||=
        (await fetch(`${url}/readyz`).then(
          (r) => r.status,
          () => 0,
        )) === 200;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(ready, output).toBe(true);
    expect(token, output).toBeDefined();
    const res = await fetch(`${url}/v1/incidents`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const forged = await fetch(`${url}/v1/incidents`, {
      headers: { authorization: `Bearer ${token?.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
  });
});
