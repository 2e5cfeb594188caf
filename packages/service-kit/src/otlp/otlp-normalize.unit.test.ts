import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, normalizeMessage, protobufToObject } from './otlp-normalize.js';
import { otlpTypes } from './otlp-schema.js';

const metrics = otlpTypes('metrics').request;
const logs = otlpTypes('logs').request;

function point(value: Record<string, unknown>) {
  return {
    resourceMetrics: [
      { scopeMetrics: [{ metrics: [{ name: 'm', sum: { dataPoints: [value] } }] }] },
    ],
  };
}
const firstPoint = (normalized: Record<string, unknown>) =>
  (normalized as ReturnType<typeof point>).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.sum
    .dataPoints[0];

describe('normalizeMessage', () => {
  it('keeps 64-bit integers exact as decimal strings, from strings or numbers', () => {
    const normalized = normalizeMessage(
      metrics,
      point({ asInt: '9223372036854775807', timeUnixNano: 5 }),
    );
    expect(firstPoint(normalized)).toEqual({ asInt: '9223372036854775807', timeUnixNano: '5' });
  });

  it('refuses integers out of their range, naming the path', () => {
    expect(() => normalizeMessage(metrics, point({ timeUnixNano: '-1' }))).toThrow(
      new OtlpDecodeError(
        'resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].timeUnixNano: expected a non-negative 64-bit integer (a decimal string or an integer)',
      ),
    );
    expect(() => normalizeMessage(metrics, point({ asInt: '9223372036854775808' }))).toThrow(
      OtlpDecodeError,
    );
    expect(() => normalizeMessage(metrics, point({ flags: -1 }))).toThrow(/non-negative 32-bit/);
    expect(() => normalizeMessage(metrics, point({ asDouble: 'fast' }))).toThrow(
      /expected a number/,
    );
  });

  it("reads proto3 JSON's spellings: non-finite doubles, original field names, enum names", () => {
    const normalized = normalizeMessage(metrics, {
      resource_metrics: [
        {
          scope_metrics: [
            {
              metrics: [
                {
                  name: 'm',
                  sum: {
                    aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                    data_points: [{ as_double: 'NaN' }],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const sum = (
      normalized as {
        resourceMetrics: {
          scopeMetrics: {
            metrics: {
              sum: { aggregationTemporality: number; dataPoints: { asDouble: number }[] };
            }[];
          }[];
        }[];
      }
    ).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.sum;
    expect(sum?.aggregationTemporality).toBe(2);
    expect(sum?.dataPoints[0]?.asDouble).toBeNaN();
  });

  it('refuses a value of the wrong shape', () => {
    expect(() => normalizeMessage(logs, [])).toThrow(
      new OtlpDecodeError('body: expected an object'),
    );
    expect(() => normalizeMessage(logs, { resourceLogs: {} })).toThrow(
      'resourceLogs: expected an array',
    );
    expect(() =>
      normalizeMessage(logs, {
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'LOUD' }] }] }],
      }),
    ).toThrow(/severityNumber: expected an integer enum value of SeverityNumber/);
  });

  it('reads protobuf into the same shape: ids as hex, bytes values as base64', () => {
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
    const message = logs.fromObject({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  traceId,
                  severityNumber: 17,
                  body: { bytesValue: Buffer.from('hi') },
                  timeUnixNano: '12',
                },
              ],
            },
          ],
        },
      ],
    });
    const normalized = normalizeMessage(
      logs,
      protobufToObject(logs, logs.encode(message).finish()),
    );
    expect(normalized).toEqual({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  severityNumber: 17,
                  body: { bytesValue: 'aGk=' },
                  timeUnixNano: '12',
                },
              ],
            },
          ],
        },
      ],
    });
    expect(() => protobufToObject(logs, Buffer.from([0x0a, 0x05, 0x01]))).toThrow(OtlpDecodeError);
  });
});
