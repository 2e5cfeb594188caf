import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GoPeer, startGoPeer } from './go-peers.js';

describe('a Go peer started by the project: the real Alertmanager v0.35', () => {
  let peer: GoPeer | undefined;
  afterAll(async () => {
    await peer?.stop();
  });

  it('builds (or reuses) the binary, starts it and answers its own API', async () => {
    peer = await startGoPeer('alertmanager', {
      readyPath: '/-/ready',
      args: ({ port, dataDir }) => [
        `--config.file=${join(dataDir, 'alertmanager.yml')}`,
        `--storage.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      files: { 'alertmanager.yml': 'route:\n  receiver: none\nreceivers:\n  - name: none\n' },
    });
    const status = (await (await fetch(`${peer.url}/api/v2/status`)).json()) as {
      cluster: { status: string };
      config: { original: string };
    };
    // Built from source without release ldflags, it reports no version; the config it loaded
    // (written by startGoPeer into its data directory) proves it is the process we started.
    expect(status.config.original).toContain('receiver: none');
    expect(status.cluster.status).toBe('disabled');
  });
});
