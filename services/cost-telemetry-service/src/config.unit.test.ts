import { describe, expect, it } from 'vitest';
import { anomalyOptionsOf, costConfigFrom } from './config.js';

describe('costConfigFrom', () => {
  it('has documented defaults', () => {
    const config = costConfigFrom({});
    expect(config).toEqual({
      baselineDays: 7,
      baselineMonths: 3,
      minBaselinePeriods: 3,
      anomalyDeltaPct: 50,
      anomalyMinAmount: '10',
      blobConnectionString: undefined,
      exportContainer: 'cost-exports',
      exportIntervalMs: 2000,
    });
    expect(anomalyOptionsOf(config)).toEqual({
      thresholdPct: 50,
      minBaselinePeriods: 3,
      minAbsoluteDelta: 10,
    });
  });

  it('reads every variable', () => {
    expect(
      costConfigFrom({
        COST_BASELINE_DAYS: '14',
        COST_BASELINE_MONTHS: '6',
        COST_MIN_BASELINE_PERIODS: '5',
        COST_ANOMALY_DELTA_PCT: '25.5',
        COST_ANOMALY_MIN_AMOUNT: '0.5',
        AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
        COST_EXPORT_CONTAINER: 'exports-1',
        COST_EXPORT_INTERVAL_MS: '0',
      }),
    ).toEqual({
      baselineDays: 14,
      baselineMonths: 6,
      minBaselinePeriods: 5,
      anomalyDeltaPct: 25.5,
      anomalyMinAmount: '0.5',
      blobConnectionString: 'UseDevelopmentStorage=true',
      exportContainer: 'exports-1',
      exportIntervalMs: 0,
    });
  });

  it.each([
    [{ COST_BASELINE_DAYS: '0' }, 'COST_BASELINE_DAYS'],
    [{ COST_ANOMALY_DELTA_PCT: '-5' }, 'COST_ANOMALY_DELTA_PCT'],
    [{ COST_ANOMALY_MIN_AMOUNT: '-1' }, 'COST_ANOMALY_MIN_AMOUNT'],
    [{ COST_MIN_BASELINE_PERIODS: '4' }, 'COST_MIN_BASELINE_PERIODS'],
    [{ COST_EXPORT_CONTAINER: 'Bad_Name' }, 'COST_EXPORT_CONTAINER'],
  ])('refuses %j naming the variable', (env, name) => {
    expect(() => costConfigFrom(env)).toThrow(name);
  });
});
