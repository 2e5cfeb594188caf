import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { goPeerBinary, startGoPeer, type GoPeer } from '@obs/local-infra';
import snappy from 'snappyjs';

/**
 * The real Prometheus (v0.316.0 = Prometheus 3.16, from the platform's Go peers, built from its
 * module on first use and cached) for the differential test and `pnpm bench:promql`: by default no
 * scrape targets, its remote-write receiver on, so it holds exactly the samples a test writes to
 * it; `config` replaces its prometheus.yml (a Prometheus that scrapes and remote-writes).
 */
export async function startPrometheus(
  options: { config?: string; port?: number } = {},
): Promise<GoPeer> {
  return startGoPeer('prometheus', {
    port: options.port,
    files: {
      'prometheus.yml':
        options.config ?? 'global:\n  evaluation_interval: 1h\nscrape_configs: []\n',
    },
    args: ({ port, dataDir }) => [
      `--config.file=${join(dataDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    readyPath: '/-/ready',
    readyTimeoutMs: 180_000,
  });
}

/** Runs `promtool` with its arguments; rejects, with its stderr, when it exits non-zero. */
export async function promtool(
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  const binary = await goPeerBinary('promtool');
  return promisify(execFile)(binary, [...args], { timeout: 120_000 });
}

export interface WriteSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value], in time order. */
  readonly samples: readonly (readonly [number, number])[];
}

/**
 * A remote write 1.0 body (snappy block-compressed prompb.WriteRequest), labels sorted by name as
 * the protocol requires. Written here, not borrowed from the service's decoder module, so the
 * bytes both receivers get come from an encoder independent of the one under test.
 */
export function remoteWriteBody(series: readonly WriteSeries[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of series) parts.push(field(1, timeSeries(s)));
  return Buffer.from(snappy.compress(Buffer.concat(parts)));
}

function timeSeries(s: WriteSeries): Buffer {
  const parts: Buffer[] = [];
  for (const name of Object.keys(s.labels).sort()) {
    const label = Buffer.concat([
      field(1, Buffer.from(name)),
      field(2, Buffer.from(s.labels[name] ?? '')),
    ]);
    parts.push(field(1, label));
  }
  for (const [timestamp, value] of s.samples) {
    const sample = Buffer.alloc(9);
    sample[0] = 0x09; // field 1 (value), fixed64
    sample.writeDoubleLE(value, 1);
    parts.push(field(2, Buffer.concat([sample, Buffer.from([0x10]), varint(timestamp)])));
  }
  return Buffer.concat(parts);
}

function field(number: number, body: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(body.length), body]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let x = BigInt(value);
  while (x >= 0x80n) {
    bytes.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  bytes.push(Number(x));
  return Buffer.from(bytes);
}

/** POSTs a remote write body, as Prometheus' own sender does. */
export async function remoteWrite(url: string, body: Buffer, authorization?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      ...(authorization ? { authorization } : {}),
    },
    body,
  });
  if (res.status !== 204 && res.status !== 200) {
    throw new Error(`remote write to ${url}: ${res.status} ${await res.text()}`);
  }
}
