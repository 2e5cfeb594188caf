import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LimitsFileWatcher } from './limits-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function limitsFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-limits-'));
  dirs.push(dir);
  const path = join(dir, 'limits.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

const errors: unknown[] = [];
const logger = { info: () => undefined, error: (entry: unknown) => void errors.push(entry) };

describe('LimitsFileWatcher', () => {
  it('re-reads the file when it changes, so an override applies without a restart', () => {
    const path = limitsFile({ tenants: { acme: { spans: { rate: 10 } } } });
    const watcher = new LimitsFileWatcher(path, logger);
    expect(watcher.limits().tenants?.acme?.spans?.rate).toBe(10);
    expect(watcher.refresh()).toBe(false); // unchanged: not read again
    writeFileSync(path, JSON.stringify({ tenants: { acme: { spans: { rate: 200_000 } } } }));
    expect(watcher.refresh()).toBe(true);
    expect(watcher.limits().tenants?.acme?.spans?.rate).toBe(200_000);
  });

  it('keeps the last good limits when an edit does not parse, and says so', () => {
    const path = limitsFile({ tenants: { acme: { spans: { rate: 10 } } } });
    const watcher = new LimitsFileWatcher(path, logger);
    writeFileSync(path, '{ "tenants": { "acme": { "spans": { "rate": "fast" } } } }');
    expect(watcher.refresh()).toBe(false);
    expect(watcher.limits().tenants?.acme?.spans?.rate).toBe(10);
    expect(JSON.stringify(errors.at(-1))).toContain('tenants.acme.spans.rate');
  });

  it('refuses to start on a file that does not parse, naming it and the field', () => {
    const path = limitsFile({ defaults: { spans: { burst: 0 } } });
    expect(() => new LimitsFileWatcher(path, logger)).toThrow(
      new RegExp(`TENANT_LIMITS_FILE ${path}: defaults\\.spans\\.burst`),
    );
  });
});
