import { GRID_COLUMNS, MAX_PANELS, PANEL_TYPES, WINDOWS } from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { toGrafanaDashboard } from '../grafana/grafana-export.js';

/*
 * Request schemas stay strict (an unknown field answers 400) and state every rule of the domain
 * that a schema can (lengths, non-blank, enums, bounds, list sizes), so a schema-valid request is
 * never refused with 400. What only the service and the domain can judge answers 422 with the
 * invariant's code (a panel past the grid's right edge, overlapping panels, a panel without its
 * one source, a repeated groupBy dimension, a metric or SLO its owning service does not know);
 * a name taken in the scope answers 409.
 */

/** What JavaScript's trim() removes, spelled out: `\s` means other things in other regex engines. */
const SPACE = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

const NAME_MAX_LENGTH = 200;
const TEXT_MAX_LENGTH = 256;
const MAX_GROUP_BY = 16;
/** Rows are unbounded in Grafana; these bounds only keep a layout a screen can show. */
const MAX_ROW = 10_000;
const MAX_HEIGHT = 1_000;

/** Free text the domain keeps as given (blank means none); PostgreSQL jsonb cannot hold U+0000. */
const text = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .refine((value) => !value.includes('\u0000'), 'must not hold U+0000');

/** Required text as the domain means it: a character trim() keeps, and no U+0000. */
const nonBlank = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .refine(
      (value) => value.trim() !== '' && !value.includes('\u0000'),
      'must not be blank or hold U+0000',
    )
    .meta({ not: { pattern: `^[${SPACE}]*$` } });

/** The 422 codes the domain (or the reference check) can refuse a schema-valid definition with. */
export const DASHBOARD_DOMAIN_CODES = [
  'dashboard.unresolvable_reference',
  'dashboard.invalid_panel_source',
  'dashboard.invalid_layout',
  'dashboard.overlapping_panels',
  'dashboard.invalid_panel',
] as const;

/** The aggregations metric-aggregation-service answers for a series. */
export const SERIES_AGGREGATIONS = [
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'p50',
  'p95',
  'p99',
] as const;

const DASHBOARD_ID = '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f';
const SLO_ID = '0b8f4c2e-7a1d-4e9b-b3c5-2d6f8a0e1c47';
const CREATED_AT = '2024-05-01T09:00:00.000Z';

const EXAMPLE_PANELS = [
  {
    type: 'timeseries',
    title: 'p95 latency',
    metric: 'http.server.duration',
    groupBy: ['service'],
    layout: { x: 0, y: 0, w: 12, h: 8 },
  },
  {
    type: 'stat',
    title: 'Checkout availability',
    sloId: SLO_ID,
    layout: { x: 12, y: 0, w: 12, h: 8 },
  },
  { type: 'trace', title: 'Slow traces', layout: { x: 0, y: 8, w: 24, h: 10 } },
] as const;

const EXAMPLE_DEFINITION = {
  name: 'Payments latency',
  scope: { projectId: 'checkout', moduleId: 'payments' },
  panels: EXAMPLE_PANELS,
} as const;

const STORED_PANELS = EXAMPLE_PANELS.map((p) => ({
  type: p.type,
  title: p.title,
  metric: 'metric' in p ? p.metric : null,
  sloId: 'sloId' in p ? p.sloId : null,
  groupBy: 'groupBy' in p ? [...p.groupBy] : [],
  layout: { ...p.layout },
}));

export const layoutSchema = z
  .strictObject({
    x: z
      .number()
      .int()
      .min(0)
      .max(GRID_COLUMNS - 1)
      .describe('Column of the left edge (0-23)'),
    y: z.number().int().min(0).max(MAX_ROW).describe('Row of the top edge'),
    w: z
      .number()
      .int()
      .min(1)
      .max(GRID_COLUMNS)
      .describe('Width in columns; x + w ≤ 24, else 422 dashboard.invalid_layout'),
    h: z.number().int().min(1).max(MAX_HEIGHT).describe('Height in rows'),
  })
  .describe("Position on Grafana's 24-column grid; panels may touch but not overlap (422)")
  .meta({ example: { x: 0, y: 0, w: 12, h: 8 } });

export const panelInputSchema = z
  .strictObject({
    type: z
      .enum(PANEL_TYPES)
      .describe('timeseries | stat | table | heatmap plot one metric or SLO; trace lists traces'),
    title: text(TEXT_MAX_LENGTH)
      .nullable()
      .optional()
      .describe('Shown above the panel; blank is none'),
    metric: nonBlank(TEXT_MAX_LENGTH)
      .nullable()
      .optional()
      .describe(
        'A metric of metric-aggregation-service (GET /v1/metrics/{name}); an unknown one answers 422 dashboard.unresolvable_reference naming the panel',
      ),
    sloId: nonBlank(TEXT_MAX_LENGTH)
      .nullable()
      .optional()
      .describe(
        'An SLO of slo-service (GET /v1/slos/{id}); an unknown one answers 422 dashboard.unresolvable_reference naming the panel',
      ),
    groupBy: z
      .array(nonBlank(TEXT_MAX_LENGTH))
      .max(MAX_GROUP_BY)
      .optional()
      .describe('Distinct dimension names or attribute keys the series are split by'),
    layout: layoutSchema,
  })
  .describe('One panel: exactly one of metric or sloId, except a trace panel, which takes neither')
  .meta({ example: EXAMPLE_PANELS[0] });

export const scopeSchema = z
  .strictObject({
    projectId: nonBlank(TEXT_MAX_LENGTH).describe('Project the dashboard covers'),
    moduleId: nonBlank(TEXT_MAX_LENGTH)
      .nullable()
      .optional()
      .describe('Narrows the dashboard to one module; null or absent for the whole project'),
  })
  .describe('What the dashboard covers; its name is unique per tenant and scope')
  .meta({ example: { projectId: 'checkout', moduleId: 'payments' } });

export const dashboardBodySchema = z
  .strictObject({
    name: nonBlank(NAME_MAX_LENGTH).describe(
      'Unique per tenant and scope (case-insensitive; 409 dashboard.name_not_unique); trimmed',
    ),
    scope: scopeSchema,
    panels: z.array(panelInputSchema).min(1).max(MAX_PANELS).describe('1-100 panels'),
  })
  .describe('A dashboard definition')
  .meta({ example: EXAMPLE_DEFINITION });

export const replaceDashboardSchema = dashboardBodySchema
  .describe("The dashboard's new definition (name, scope and panels, replaced whole)")
  .meta({
    example: { ...EXAMPLE_DEFINITION, name: 'Payments latency and errors' },
  });

const panelSchema = z
  .object({
    type: z.enum(PANEL_TYPES),
    title: z.string().nullable(),
    metric: z.string().nullable(),
    sloId: z.string().nullable(),
    groupBy: z.array(z.string()),
    layout: z.object({
      x: z.number().int(),
      y: z.number().int(),
      w: z.number().int(),
      h: z.number().int(),
    }),
  })
  .meta({ example: STORED_PANELS[0] });

const storedScopeSchema = z.object({ projectId: z.string(), moduleId: z.string().nullable() });

export const dashboardSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scope: storedScopeSchema,
    panels: z.array(panelSchema),
    version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A dashboard')
  .meta({
    example: {
      id: DASHBOARD_ID,
      name: EXAMPLE_DEFINITION.name,
      scope: { ...EXAMPLE_DEFINITION.scope },
      panels: STORED_PANELS,
      version: 1,
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    },
  });

export const versionSchema = z
  .object({
    dashboardId: z.uuid(),
    version: z.number().int(),
    name: z.string(),
    scope: storedScopeSchema,
    panels: z.array(panelSchema),
    recordedAt: z.iso.datetime().describe('When this version was accepted'),
  })
  .describe('The definition as it was at one version')
  .meta({
    example: {
      dashboardId: DASHBOARD_ID,
      version: 1,
      name: EXAMPLE_DEFINITION.name,
      scope: { ...EXAMPLE_DEFINITION.scope },
      panels: STORED_PANELS,
      recordedAt: CREATED_AT,
    },
  });

export const idParamsSchema = z
  .object({ id: z.uuid().describe('Dashboard id').meta({ example: DASHBOARD_ID }) })
  .meta({ example: { id: DASHBOARD_ID } });

export const versionParamsSchema = z
  .object({
    id: z.uuid().describe('Dashboard id').meta({ example: DASHBOARD_ID }),
    n: z.coerce
      .number()
      .int()
      .min(1)
      .max(2_147_483_647)
      .describe('Version number (1 = as created)')
      .meta({ example: 1 }),
  })
  .meta({ example: { id: DASHBOARD_ID, n: 1 } });

export const listQuerySchema = z
  .object({
    // The kit's limit and keyset cursor (`<created_at epoch ms>.<id>`), with examples.
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `1714554000000.${DASHBOARD_ID}` }),
    projectId: z
      .string()
      .max(TEXT_MAX_LENGTH)
      .optional()
      .describe('Only dashboards of this project'),
    moduleId: z.string().max(TEXT_MAX_LENGTH).optional().describe('Only dashboards of this module'),
  })
  .meta({ example: { projectId: 'checkout', limit: 50 } });

export const versionListQuerySchema = z
  .object({
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `3.${DASHBOARD_ID}` }),
  })
  .meta({ example: { limit: 20 } });

export const dataQuerySchema = z
  .object({
    from: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Start of the range (ISO-8601, Z or an offset); default `to` minus 6 hours')
      .meta({ example: '2024-05-01T09:00:00Z' }),
    to: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('End of the range (ISO-8601); default now. Must be after from (else 422)')
      .meta({ example: '2024-05-01T15:00:00Z' }),
    window: z
      .enum(WINDOWS)
      .optional()
      .describe(
        'Window size of the series; default by the range: ≤ 6 h 1m, ≤ 2 d 5m, ≤ 60 d 1h, else 1d',
      ),
    aggregation: z
      .enum(SERIES_AGGREGATIONS)
      .default('avg')
      .describe('Which aggregate of each window every metric panel plots (default avg)'),
  })
  .meta({ example: { from: '2024-05-01T09:00:00Z', to: '2024-05-01T15:00:00Z' } });

export const pointSchema = z.object({
  windowStart: z.string(),
  windowEnd: z.string(),
  value: z.number(),
  count: z.number(),
});

export const seriesSchema = z
  .object({
    groupKey: z.string(),
    group: z.record(z.string(), z.string()),
    points: z.array(pointSchema),
  })
  .describe("One series of metric-aggregation-service's GET /v1/metric-series, as it answered");

const PANEL_STATUSES = ['ok', 'not_found', 'refused', 'unavailable', 'no_series'] as const;

export const panelDataSchema = z
  .object({
    index: z.number().int().describe("The panel's position in the definition (panels[index])"),
    panelId: z.number().int().describe('index + 1: the id the Grafana export gives the panel'),
    type: z.enum(PANEL_TYPES),
    title: z.string().nullable(),
    layout: panelSchema.shape.layout,
    source: z
      .object({
        kind: z.enum(['metric', 'slo', 'trace']),
        metric: z.string().nullable(),
        sloId: z.string().nullable(),
        groupBy: z.array(z.string()),
      })
      .describe('What the panel reads'),
    status: z
      .enum(PANEL_STATUSES)
      .describe(
        'ok; not_found (the metric or SLO is gone); refused (the owning service refused the call); unavailable (it could not be reached or answered a 5xx); no_series (a trace panel: no series to plot)',
      ),
    error: z.string().nullable().describe('Why the panel has no data, when status is not ok'),
    series: z
      .array(seriesSchema)
      .nullable()
      .describe('Metric panels: the series, points in windowStart order; null otherwise'),
    slo: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("SLO panels: slo-service's SLO resource as it answered; null otherwise"),
  })
  .describe("One panel's data, or why it has none");

export const dashboardDataSchema = z
  .object({
    dashboardId: z.uuid(),
    version: z.number().int(),
    name: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    window: z.enum(WINDOWS),
    aggregation: z.enum(SERIES_AGGREGATIONS),
    panels: z.array(panelDataSchema),
  })
  .describe('Every panel of the dashboard with its data, in definition order')
  .meta({
    example: {
      dashboardId: DASHBOARD_ID,
      version: 1,
      name: 'Payments latency',
      from: '2024-05-01T09:00:00.000Z',
      to: '2024-05-01T15:00:00.000Z',
      window: '1m',
      aggregation: 'avg',
      panels: [
        {
          index: 0,
          panelId: 1,
          type: 'timeseries',
          title: 'p95 latency',
          layout: { x: 0, y: 0, w: 12, h: 8 },
          source: {
            kind: 'metric',
            metric: 'http.server.duration',
            sloId: null,
            groupBy: ['service'],
          },
          status: 'ok',
          error: null,
          series: [
            {
              groupKey: 'service=payments-api',
              group: { service: 'payments-api' },
              points: [
                {
                  windowStart: '2024-05-01T09:00:00.000Z',
                  windowEnd: '2024-05-01T09:01:00.000Z',
                  value: 182.5,
                  count: 40,
                },
              ],
            },
          ],
          slo: null,
        },
      ],
    },
  });

const gridPosSchema = z.object({
  h: z.number().int(),
  w: z.number().int(),
  x: z.number().int(),
  y: z.number().int(),
});
const datasourceRefSchema = z.object({ type: z.string(), uid: z.string() });

export const grafanaPanelSchema = z.object({
  datasource: datasourceRefSchema,
  description: z.string(),
  fieldConfig: z.object({ defaults: z.object({}), overrides: z.array(z.unknown()) }),
  gridPos: gridPosSchema,
  id: z.number().int(),
  options: z.object({ calculate: z.boolean().optional() }),
  targets: z.array(
    z.object({
      datasource: datasourceRefSchema,
      expr: z.string().describe("PromQL over the platform's Prometheus names"),
      format: z.enum(['time_series', 'table', 'heatmap']),
      instant: z.boolean(),
      legendFormat: z.string(),
      range: z.boolean(),
      refId: z.string(),
    }),
  ),
  title: z.string(),
  type: z.string(),
});

export const grafanaDashboardSchema = z
  .object({
    annotations: z.object({ list: z.array(z.unknown()) }),
    description: z.string(),
    editable: z.boolean(),
    fiscalYearStartMonth: z.number().int(),
    graphTooltip: z.number().int(),
    links: z.array(z.unknown()),
    panels: z.array(grafanaPanelSchema),
    schemaVersion: z.number().int(),
    tags: z.array(z.string()),
    templating: z.object({ list: z.array(z.record(z.string(), z.unknown())) }),
    time: z.object({ from: z.string(), to: z.string() }),
    timepicker: z.object({}),
    timezone: z.string(),
    title: z.string(),
    uid: z.string(),
    weekStart: z.string(),
  })
  .describe(
    'Grafana dashboard JSON (schemaVersion 42), keys sorted, 2-space indented: byte-identical for the same definition (no id, version or other volatile fields)',
  )
  .meta({
    example: toGrafanaDashboard(
      {
        dashboardId: DASHBOARD_ID,
        tenantId: 'acme',
        name: EXAMPLE_DEFINITION.name,
        scope: { ...EXAMPLE_DEFINITION.scope },
        panels: STORED_PANELS,
        version: 1,
        createdAt: CREATED_AT,
        updatedAt: CREATED_AT,
      },
      new Map([['http.server.duration', { unit: 'ms', type: 'histogram' }]]),
    ),
  });

/**
 * The data source provisioning file as the YAML document parses (Grafana's provisioning format):
 * documented as its structure, which is what a client that reads YAML (schemathesis) checks.
 */
export const grafanaDatasourceFileSchema = z
  .object({
    apiVersion: z.literal(1),
    datasources: z.array(
      z.object({
        name: z.string(),
        uid: z.string(),
        type: z.literal('prometheus'),
        access: z.literal('proxy'),
        url: z.string().describe("the platform's Prometheus HTTP API (GRAFANA_DATASOURCE_URL)"),
        editable: z.boolean(),
        jsonData: z.object({
          httpMethod: z.literal('POST'),
          httpHeaderName1: z.literal('Authorization'),
          prometheusType: z.string(),
          prometheusVersion: z.string(),
          timeInterval: z.string(),
        }),
        secureJsonData: z.object({
          httpHeaderValue1: z
            .string()
            .describe('Bearer ${OBS_PLATFORM_TOKEN}: expanded by Grafana from its environment'),
        }),
      }),
    ),
  })
  .describe('Grafana data source provisioning YAML (provisioning/datasources/), UTF-8')
  .meta({
    example: {
      apiVersion: 1,
      datasources: [
        {
          name: 'Observability platform',
          uid: 'obs-platform-metrics',
          type: 'prometheus',
          access: 'proxy',
          url: 'http://127.0.0.1:4103/prometheus',
          editable: false,
          jsonData: {
            httpMethod: 'POST',
            httpHeaderName1: 'Authorization',
            prometheusType: 'Prometheus',
            prometheusVersion: '3.0.0',
            timeInterval: '60s',
          },
          secureJsonData: { httpHeaderValue1: 'Bearer ${OBS_PLATFORM_TOKEN}' },
        },
      ],
    },
  });
