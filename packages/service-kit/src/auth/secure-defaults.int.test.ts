import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { buildService } from '../build-service.js';
import { widgetFixtureService } from '../../test/widget-fixture.service.js';

const widgetMain = fileURLToPath(new URL('../../test/widget-main.ts', import.meta.url));

/** Runs the fixture service's main with exactly `env` (plus PATH), as a deployer would. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', widgetMain], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('secure by default: no key material, no start', () => {
  it('a service with DATABASE_URL but neither NODE_ENV nor JWT_SECRET refuses to start and names the variables', async () => {
    const { code, stderr } = await runMain({ DATABASE_URL: inject('infra').databaseUrl });
    expect(code).toBe(1);
    expect(stderr).toContain('refusing to start without JWT key material');
    expect(stderr).toMatch(/JWKS_URL/);
    expect(stderr).toMatch(/JWT_SECRET/);
    expect(stderr).not.toMatch(/\n\s+at /); // an operator's message, not a stack trace
  });

  it('NODE_ENV=production without key material refuses too', async () => {
    await expect(
      buildService(widgetFixtureService, {
        env: { NODE_ENV: 'production', DATABASE_URL: inject('infra').databaseUrl },
      }),
    ).rejects.toThrow(/JWKS_URL.*JWT_SECRET/);
  });

  it('JWKS_URL without JWT_ISSUER and JWT_AUDIENCE refuses, naming both', async () => {
    await expect(
      buildService(widgetFixtureService, {
        env: {
          DATABASE_URL: inject('infra').databaseUrl,
          JWKS_URL: 'http://127.0.0.1:9/jwks.json',
        },
      }),
    ).rejects.toThrow('JWKS_URL is set but JWT_ISSUER and JWT_AUDIENCE are not');
  });
});
