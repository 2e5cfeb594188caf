import { describe, expect, it } from 'vitest';
import { csvCell, csvHeader, csvRow } from './signal-csv.js';

describe('export CSV', () => {
  it('writes one RFC 4180 row per signal, empty cells for categories without cost', () => {
    expect(csvHeader()).toBe(
      'id,projectId,period,periodStart,periodEnd,currency,total,model_inference,compute,storage,network,anomalyCategories,computedAt,version\r\n',
    );
    const row = csvRow({
      id: 'cost_1',
      tenantId: 'acme',
      projectId: 'shop, "eu"',
      period: 'day',
      periodStart: '2030-01-01T00:00:00.000Z',
      periodEnd: '2030-01-02T00:00:00.000Z',
      currency: 'USD',
      total: '0.3',
      breakdown: [
        { category: 'compute', amount: '0.1' },
        { category: 'network', amount: '0.2' },
      ],
      anomalies: [
        {
          category: 'network',
          detectedAt: '2030-01-02T00:00:00.000Z',
          deltaPct: 100,
          baseline: '0.1',
          observed: '0.2',
          traceIds: [],
        },
      ],
      computedAt: '2030-01-02T00:00:00.000Z',
      version: 2,
    });
    expect(row).toBe(
      'cost_1,"shop, ""eu""",day,2030-01-01T00:00:00.000Z,2030-01-02T00:00:00.000Z,USD,0.3,,0.1,,0.2,network,2030-01-02T00:00:00.000Z,2\r\n',
    );
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@sum')).toBe("'@sum");
    expect(csvCell('checkout')).toBe('checkout');
  });
});
