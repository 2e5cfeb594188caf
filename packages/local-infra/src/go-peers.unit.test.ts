import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GO_PEERS, goPeerBinary, goPeerPath } from './go-peers.js';

describe('go peers: built from their Go modules, cached outside the repository', () => {
  const saved = { cache: process.env.OBS_GO_PEERS_CACHE, go: process.env.OBS_GO };
  let cache: string;
  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), 'go-peers-unit-'));
    process.env.OBS_GO_PEERS_CACHE = cache;
  });
  afterEach(async () => {
    for (const [key, value] of [
      ['OBS_GO_PEERS_CACHE', saved.cache],
      ['OBS_GO', saved.go],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(cache, { recursive: true, force: true });
  });

  it('pins the versions the project compares against', () => {
    expect(GO_PEERS.prometheus.version).toBe('v0.316.0');
    expect(GO_PEERS.promtool.module).toBe(GO_PEERS.prometheus.module);
    expect(GO_PEERS.alertmanager.version).toBe('v0.35.0');
    expect(GO_PEERS.jaeger.version).toBe('v1.75.0');
    expect(goPeerPath('jaeger')).toBe(join(cache, 'jaeger-v1.75.0', 'jaeger'));
  });

  it('fails loudly naming Go, the module and the cache when Go is missing', async () => {
    process.env.OBS_GO = join(cache, 'no-such-go');
    const failure = goPeerBinary('alertmanager', () => undefined);
    await expect(failure).rejects.toThrow(/needs Go on PATH/);
    await expect(failure).rejects.toThrow('github.com/prometheus/alertmanager@v0.35.0');
    await expect(failure).rejects.toThrow(join(cache, 'alertmanager-v0.35.0'));
  });
});
