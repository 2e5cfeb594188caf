import { describe, expect, it } from 'vitest';
import { otlpItemCount } from './otlp-items.js';

describe('otlpItemCount', () => {
  it('counts spans, data points of every metric kind and log records', () => {
    const spans = { resourceSpans: [{ scopeSpans: [{ spans: [{}, {}] }, { spans: [{}] }] }, {}] };
    expect(otlpItemCount('traces', spans)).toBe(3);
    const metrics = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { gauge: { dataPoints: [{}, {}] } },
                { sum: { dataPoints: [{}] } },
                { histogram: { dataPoints: [{}] } },
                { exponentialHistogram: { dataPoints: [{}] } },
                { summary: { dataPoints: [{}] } },
              ],
            },
          ],
        },
      ],
    };
    expect(otlpItemCount('metrics', metrics)).toBe(6);
    expect(otlpItemCount('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] })).toBe(
      1,
    );
  });

  it('counts nothing of a body without items, whatever its shape', () => {
    expect(otlpItemCount('traces', {})).toBe(0);
    expect(otlpItemCount('traces', null)).toBe(0);
    expect(otlpItemCount('logs', { resourceLogs: 'x' })).toBe(0);
  });
});
