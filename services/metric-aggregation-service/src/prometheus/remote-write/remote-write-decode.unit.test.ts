import { describe, expect, it } from 'vitest';
import { decodeWriteRequest, encodeWriteRequest, ProtobufError } from './remote-write-decode.js';
import { remoteWriteToOtlp } from './remote-write-otlp.js';

describe('remote write WriteRequest decoding', () => {
  it('reads back what the wire encoding wrote: labels, samples (negative and large times), metadata', () => {
    const request = {
      series: [
        {
          labels: { __name__: 'up', job: 'prométheus' },
          samples: [
            { value: 1, timestamp: 1_767_225_600_123 },
            { value: -0.5, timestamp: -1000 },
          ],
        },
      ],
      metadata: [{ type: 1, family: 'up', unit: 'seconds' }],
    };
    expect(decodeWriteRequest(encodeWriteRequest(request))).toEqual({
      series: [{ ...request.series[0], histograms: 0 }],
      metadata: request.metadata,
    });
  });

  it("marks Prometheus' staleness NaN, not other NaNs", () => {
    const bytes = encodeWriteRequest({
      series: [{ labels: { __name__: 'x' }, samples: [{ value: NaN, timestamp: 1 }] }],
    });
    expect(decodeWriteRequest(bytes).series[0]?.samples[0]?.stale).toBeUndefined();
    // The value's 8 bytes follow the 0x09 tag; write the StaleNaN bit pattern there.
    const at = bytes.indexOf(0x09) + 1;
    new DataView(bytes.buffer).setBigUint64(at, 0x7ff0000000000002n, true);
    expect(decodeWriteRequest(bytes).series[0]?.samples[0]?.stale).toBe(true);
  });

  it('refuses truncated input with a ProtobufError', () => {
    const bytes = encodeWriteRequest({
      series: [{ labels: { __name__: 'x' }, samples: [{ value: 1, timestamp: 1 }] }],
    });
    expect(() => decodeWriteRequest(bytes.subarray(0, bytes.length - 3))).toThrow(ProtobufError);
  });

  it('maps counters to cumulative sums named without _total, others to gauges under their name', () => {
    const dims = {
      project_id: 'p',
      module_id: 'm',
      artifact_id: 'a',
      execution_id: 'e',
      agent_id: 'none',
      service_name: 's',
      service_version: '1',
      deployment_environment_name: 'prod',
      cloud_region: 'eu',
      telemetry_origin: 'factory',
    };
    const { request } = remoteWriteToOtlp(
      {
        series: [
          {
            labels: { __name__: 'a_total', ...dims },
            samples: [{ value: 1, timestamp: 5 }],
            histograms: 0,
          },
          {
            labels: { __name__: 'b_count', ...dims },
            samples: [{ value: 2, timestamp: 5 }],
            histograms: 0,
          },
        ],
        metadata: [],
      },
      't1',
    );
    const metrics = request.resourceMetrics?.[0]?.scopeMetrics?.[0]?.metrics ?? [];
    expect(metrics.map((m) => [m.name, m.sum ? 'sum' : 'gauge'])).toEqual([
      ['a', 'sum'],
      ['b_count', 'gauge'],
    ]);
  });
});
