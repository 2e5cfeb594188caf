import { HttpProblem } from '@obs/service-kit';
import { describe, expect, it } from 'vitest';
import { parseOpenSlo } from './openslo-import.js';
import { OPENSLO_EXAMPLE } from './routes/slo.schemas.js';

function problemOf(text: string): { status: number; code: string; detail: string; field?: string } {
  try {
    parseOpenSlo(text);
  } catch (error) {
    if (error instanceof HttpProblem) {
      return {
        status: error.status,
        code: error.code,
        detail: error.message,
        field: error.errors?.[0]?.field,
      };
    }
    throw error;
  }
  throw new Error('expected a problem');
}

const LATENCY = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-latency
spec:
  service: checkout
  timeWindow:
    - duration: 4w
      isRolling: true
  objectives:
    - op: lte
      value: 300
      targetPercent: 95
  indicator:
    spec:
      thresholdMetric:
        metricSource:
          type: obs
          spec:
            metric: http.server.duration
            percentile: p95
            filter:
              service: payments-api
`;

describe('parseOpenSlo', () => {
  it('reads a ratio SLO (the documented example)', () => {
    expect(parseOpenSlo(OPENSLO_EXAMPLE)).toEqual([
      {
        index: 1,
        fields: {
          name: 'Payments availability',
          // No annotation: the SLI's default (reliability for a ratio) applies.
          qualityDimension: null,
          projectId: 'checkout',
          target: 99.9,
          windowMinutes: 30 * 1_440,
          indicator: {
            kind: 'ratio',
            goodMetric: 'checkout.requests.good',
            totalMetric: 'checkout.requests',
            filter: {},
          },
        },
      },
    ]);
  });

  it('reads a threshold SLO and several documents, skipping empty ones', () => {
    const parsed = parseOpenSlo(`${OPENSLO_EXAMPLE}---\n---\n${LATENCY}---\n`);
    expect(parsed.map((p) => p.index)).toEqual([1, 3]);
    expect(parsed[1]!.fields).toEqual({
      name: 'checkout-latency',
      qualityDimension: null,
      projectId: 'checkout',
      target: 95,
      windowMinutes: 4 * 10_080,
      indicator: {
        kind: 'latency',
        metric: 'http.server.duration',
        percentile: 'p95',
        threshold: 300,
        filter: { service: 'payments-api' },
      },
    });
  });

  it('reads the quality dimension an SLO declares in its obs-platform/quality-dimension annotation', () => {
    const annotated = LATENCY.replace(
      'name: checkout-latency\n',
      'name: checkout-latency\n  annotations:\n    obs-platform/quality-dimension: reliability\n',
    );
    expect(parseOpenSlo(annotated)[0]!.fields.qualityDimension).toBe('reliability');
    const wrong = problemOf(annotated.replace('dimension: reliability', 'dimension: speed'));
    expect(wrong).toMatchObject({
      status: 422,
      field: 'metadata.annotations.obs-platform/quality-dimension',
    });
    expect(wrong.detail).toContain('must be one of reliability, performance');
  });

  it.each([
    ['spec.alertPolicies', OPENSLO_EXAMPLE.replace('spec:\n', 'spec:\n  alertPolicies: []\n')],
    [
      'spec.indicatorRef',
      OPENSLO_EXAMPLE.replace('spec:\n  service', 'spec:\n  indicatorRef: x\n  service'),
    ],
    [
      'spec.indicator.spec.ratioMetric.bad',
      OPENSLO_EXAMPLE.replace('counter: true', 'counter: true\n        bad: {}'),
    ],
    [
      'spec.indicator.spec.ratioMetric.good.metricSource.spec.query',
      OPENSLO_EXAMPLE.replace(
        'metric: checkout.requests.good',
        'metric: checkout.requests.good\n              query: sum(rate(x[5m]))',
      ),
    ],
    [
      'spec.indicator.spec.ratioMetric.good.metricSource.type',
      OPENSLO_EXAMPLE.replace(
        'good:\n          metricSource:\n',
        'good:\n          metricSource:\n            type: Prometheus\n',
      ),
    ],
    ['spec.budgetingMethod', OPENSLO_EXAMPLE.replace('Occurrences', 'Timeslices')],
    [
      'spec.timeWindow[0].isRolling',
      OPENSLO_EXAMPLE.replace('isRolling: true', 'isRolling: false'),
    ],
    ['spec.timeWindow[0].duration', OPENSLO_EXAMPLE.replace('duration: 30d', 'duration: 1M')],
    [
      'spec.timeWindow[0].calendar',
      OPENSLO_EXAMPLE.replace('isRolling: true', 'isRolling: true\n      calendar: {}'),
    ],
    [
      'spec.objectives[1]',
      OPENSLO_EXAMPLE.replace('- target: 0.999', '- target: 0.999\n    - target: 0.99'),
    ],
    [
      'spec.objectives[0].timeSliceTarget',
      OPENSLO_EXAMPLE.replace('- target: 0.999', '- target: 0.999\n      timeSliceTarget: 0.9'),
    ],
    [
      'spec.objectives[0].op',
      OPENSLO_EXAMPLE.replace('- target: 0.999', '- target: 0.999\n      op: lte'),
    ],
    ['spec.objectives[0].op', LATENCY.replace('op: lte', 'op: gte')],
    [
      'spec.indicator.spec.thresholdMetric.metricSource.spec.percentile',
      LATENCY.replace('percentile: p95', 'percentile: p90'),
    ],
    ['kind', OPENSLO_EXAMPLE.replace('kind: SLO', 'kind: SLI')],
    ['apiVersion', OPENSLO_EXAMPLE.replace('openslo/v1', 'openslo/v2alpha')],
    ['metadata.namespace', OPENSLO_EXAMPLE.replace('metadata:\n', 'metadata:\n  namespace: x\n')],
  ])('refuses an unsupported %s with 422 naming it', (field, text) => {
    const problem = problemOf(text);
    expect(problem).toMatchObject({ status: 422, code: 'openslo.unsupported_field', field });
    expect(problem.detail).toContain(`document 1: ${field}`);
  });

  it('names the document an unsupported field is in', () => {
    const problem = problemOf(`${OPENSLO_EXAMPLE}---\n${LATENCY.replace('op: lte', 'op: lt')}`);
    expect(problem.detail).toMatch(/^document 2: spec\.objectives\[0\]\.op/);
  });

  it.each([
    ['spec.service', OPENSLO_EXAMPLE.replace('  service: checkout\n', '')],
    ['spec.indicator', OPENSLO_EXAMPLE.slice(0, OPENSLO_EXAMPLE.indexOf('  indicator:'))],
    ['spec.objectives[0].target', OPENSLO_EXAMPLE.replace('- target: 0.999', '- displayName: x')],
    [
      'spec.indicator.spec.ratioMetric.total',
      OPENSLO_EXAMPLE.slice(0, OPENSLO_EXAMPLE.indexOf('        total:')),
    ],
    ['document', 'just a string'],
    ['document', ''],
    ['document', '---\n---\n'],
  ])('refuses a missing or invalid %s with 422', (field, text) => {
    expect(problemOf(text)).toMatchObject({
      status: 422,
      code: 'openslo.invalid_document',
      field,
    });
  });

  it('answers 400 for YAML that does not parse, and for an alias bomb', () => {
    expect(problemOf('a: [1, 2\nb: }')).toMatchObject({
      status: 400,
      code: 'openslo.invalid_yaml',
    });
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      ...[...'bcdefghij'].map((k, i) => {
        const prev = 'abcdefghij'[i]!;
        return `${k}: &${k} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
      }),
    ].join('\n');
    expect(problemOf(bomb)).toMatchObject({ status: 400, code: 'openslo.invalid_yaml' });
  });
});
