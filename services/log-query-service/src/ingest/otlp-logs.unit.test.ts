import { describe, expect, it } from 'vitest';
import { parseOtlpLogs, recordId } from './otlp-logs.js';
import { levelOfSeverity } from './severity.js';

const resource = (tenant: string) => ({
  attributes: Object.entries({
    'tenant.id': tenant,
    'project.id': 'p',
    'module.id': 'm',
    'artifact.id': 'a',
    'execution.id': 'e',
    'agent.id': 'none',
    'service.name': 's',
    'service.version': '1',
    'deployment.environment.name': 'prod',
    'cloud.region': 'r',
    'telemetry.origin': 'agent',
  }).map(([key, v]) => ({ key, value: { stringValue: v } })),
});

describe('levelOfSeverity', () => {
  it('maps OTLP severity numbers to Serilog levels, and severityText when unspecified', () => {
    expect([1, 4, 5, 9, 13, 17, 21, 24].map((n) => levelOfSeverity(n, undefined))).toEqual([
      'Verbose',
      'Verbose',
      'Debug',
      'Information',
      'Warning',
      'Error',
      'Fatal',
      'Fatal',
    ]);
    expect(levelOfSeverity(0, 'WARN')).toBe('Warning');
    expect(levelOfSeverity(undefined, 'critical')).toBe('Fatal');
    expect(levelOfSeverity(0, 'shout')).toBe('Information');
  });
});

describe('parseOtlpLogs', () => {
  it('takes the time from timeUnixNano, else observedTimeUnixNano, else now; all-zero ids are none', () => {
    const parsed = parseOtlpLogs(
      {
        resourceLogs: [
          {
            resource: resource('t'),
            scopeLogs: [
              {
                logRecords: [
                  { timeUnixNano: '5000000', traceId: '0'.repeat(32), spanId: '0'.repeat(16) },
                  { timeUnixNano: '0', observedTimeUnixNano: '7000000' },
                  { body: { kvlistValue: { values: [{ key: 'k', value: { intValue: '1' } }] } } },
                ],
              },
            ],
          },
        ],
      },
      't',
      9,
    );
    expect(parsed.rejected).toBe(0);
    expect(parsed.records.map((r) => [r.timeMs, r.traceId, r.spanId, r.body])).toEqual([
      [5, null, null, ''],
      [7, null, null, ''],
      [9, null, null, '{"k":1}'],
    ]);
  });

  it('takes the largest uint64 time as an instant (the year 2554)', () => {
    const parsed = parseOtlpLogs(
      {
        resourceLogs: [
          {
            resource: resource('t'),
            scopeLogs: [{ logRecords: [{ timeUnixNano: '18446744073709551615' }] }],
          },
        ],
      },
      't',
      0,
    );
    expect(parsed.rejected).toBe(0);
    expect(new Date(parsed.records[0]?.timeMs ?? 0).toISOString()).toBe('2554-07-21T23:34:33.709Z');
  });
});

describe('recordId', () => {
  it('sorts like (nanoseconds within the ms, index in the batch), and is a UUID', () => {
    const ids = [
      recordId(5_000_000n, 3),
      recordId(5_000_001n, 0),
      recordId(5_000_001n, 1),
      recordId(5_999_999n, 0),
    ];
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect([...ids].sort()).toEqual(ids);
  });
});
