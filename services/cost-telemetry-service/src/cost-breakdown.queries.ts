import { COST_CATEGORIES, type CostCategory } from '@obs/domain';
import { keysetCursor, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import { normalizeAmount, sumAmounts, tokenPrices } from './money.js';

/**
 * Breakdowns straight from the cost lines (exact `numeric` sums in SQL), within the caller's
 * tenant. Rankings are paged: a breakdown is a report, not a set of resources, so its cursor is
 * the position in the ranking (amount descending, then key), written in the kit's cursor shape
 * `<position>.<uuid>` (the uuid part carries nothing).
 */

export interface LineFilter {
  readonly projectId?: string;
  /** Lines that occurred at or after this instant. */
  readonly from?: string;
  /** Lines that occurred before this instant. */
  readonly to?: string;
}

export interface ModelCost {
  readonly model: string;
  readonly currency: string;
  readonly amount: string;
  readonly lineCount: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly costPerToken: string | null;
  readonly costPerMillionTokens: string | null;
}

export interface AgentCost {
  readonly agentId: string;
  readonly currency: string;
  readonly amount: string;
  readonly lineCount: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface TraceCost {
  readonly traceId: string;
  readonly lineCount: number;
  readonly projectIds: string[];
  readonly totals: { currency: string; amount: string }[];
  readonly byCategory: { category: CostCategory; currency: string; amount: string }[];
  readonly byModel: ModelCost[];
}

const CURSOR_UUID = '00000000-0000-4000-8000-000000000000';

function where(tenantId: string, filter: LineFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [tenantId];
  const clauses = ['tenant_id = $1'];
  if (filter.projectId) {
    params.push(filter.projectId);
    clauses.push(`project_id = $${params.length}`);
  }
  if (filter.from) {
    params.push(new Date(filter.from).toISOString());
    clauses.push(`occurred_at >= $${params.length}`);
  }
  if (filter.to) {
    params.push(new Date(filter.to).toISOString());
    clauses.push(`occurred_at < $${params.length}`);
  }
  return { sql: clauses.join(' AND '), params };
}

async function ranked<Row, Item>(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
  page: PageRequest,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const offset = keysetCursor.decode(page.cursor)?.sortKey ?? 0;
  const rows: Row[] = await dataSource.query(
    `${sql} LIMIT ${page.limit + 1} OFFSET ${offset}`,
    params,
  );
  const items = rows.slice(0, page.limit).map(toItem);
  const nextCursor =
    rows.length > page.limit ? keysetCursor.encode(offset + page.limit, CURSOR_UUID) : null;
  return { items, nextCursor };
}

interface ModelRow {
  model: string;
  currency: string;
  amount: string;
  line_count: string;
  input_tokens: string;
  output_tokens: string;
}

function modelCostOf(row: ModelRow): ModelCost {
  const inputTokens = Number(row.input_tokens);
  const outputTokens = Number(row.output_tokens);
  const amount = normalizeAmount(row.amount);
  return {
    model: row.model,
    currency: row.currency,
    amount,
    lineCount: Number(row.line_count),
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    ...tokenPrices(amount, inputTokens + outputTokens),
  };
}

const MODEL_COLUMNS = `model, currency, SUM(amount)::text AS amount, COUNT(*)::text AS line_count,
  COALESCE(SUM(input_tokens), 0)::text AS input_tokens,
  COALESCE(SUM(output_tokens), 0)::text AS output_tokens`;

/** model_inference cost per (model, currency), with its tokens and price per token. */
export function costByModel(
  dataSource: DataSource,
  table: string,
  tenantId: string,
  filter: LineFilter,
  page: PageRequest,
): Promise<Page<ModelCost>> {
  const w = where(tenantId, filter);
  return ranked(
    dataSource,
    `SELECT ${MODEL_COLUMNS} FROM ${table}
      WHERE ${w.sql} AND category = 'model_inference'
      GROUP BY model, currency
      ORDER BY SUM(amount) DESC, model ASC, currency ASC`,
    w.params,
    page,
    modelCostOf,
  );
}

/** Cost per (agentId, currency), all categories; agentId "none" is cost without an agent. */
export function costByAgent(
  dataSource: DataSource,
  table: string,
  tenantId: string,
  filter: LineFilter,
  page: PageRequest,
): Promise<Page<AgentCost>> {
  const w = where(tenantId, filter);
  return ranked(
    dataSource,
    `SELECT agent_id, currency, SUM(amount)::text AS amount, COUNT(*)::text AS line_count,
            COALESCE(SUM(input_tokens), 0)::text AS input_tokens,
            COALESCE(SUM(output_tokens), 0)::text AS output_tokens
       FROM ${table}
      WHERE ${w.sql}
      GROUP BY agent_id, currency
      ORDER BY SUM(amount) DESC, agent_id ASC, currency ASC`,
    w.params,
    page,
    (row: {
      agent_id: string;
      currency: string;
      amount: string;
      line_count: string;
      input_tokens: string;
      output_tokens: string;
    }) => ({
      agentId: row.agent_id,
      currency: row.currency,
      amount: normalizeAmount(row.amount),
      lineCount: Number(row.line_count),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
    }),
  );
}

/** What one trace cost, or undefined when the tenant has no cost line of it. */
export async function costOfTrace(
  dataSource: DataSource,
  table: string,
  tenantId: string,
  traceId: string,
): Promise<TraceCost | undefined> {
  const params = [tenantId, traceId];
  const scope = 'tenant_id = $1 AND trace_id = $2';
  const categories: {
    category: CostCategory;
    currency: string;
    amount: string;
    line_count: string;
  }[] = await dataSource.query(
    `SELECT category, currency, SUM(amount)::text AS amount, COUNT(*)::text AS line_count
         FROM ${table} WHERE ${scope}
        GROUP BY category, currency ORDER BY category, currency`,
    params,
  );
  if (categories.length === 0) return undefined;
  const models: ModelRow[] = await dataSource.query(
    `SELECT ${MODEL_COLUMNS} FROM ${table}
      WHERE ${scope} AND category = 'model_inference'
      GROUP BY model, currency ORDER BY SUM(amount) DESC, model ASC, currency ASC`,
    params,
  );
  const projects: { project_id: string }[] = await dataSource.query(
    `SELECT DISTINCT project_id FROM ${table} WHERE ${scope} ORDER BY project_id`,
    params,
  );
  const totals = new Map<string, string[]>();
  for (const row of categories)
    totals.set(row.currency, [...(totals.get(row.currency) ?? []), row.amount]);
  return {
    traceId,
    lineCount: categories.reduce((n, row) => n + Number(row.line_count), 0),
    projectIds: projects.map((p) => p.project_id),
    totals: [...totals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, amounts]) => ({ currency, amount: sumAmounts(amounts) })),
    byCategory: categories
      .map((row) => ({
        category: row.category,
        currency: row.currency,
        amount: normalizeAmount(row.amount),
      }))
      .sort((a, b) => COST_CATEGORIES.indexOf(a.category) - COST_CATEGORIES.indexOf(b.category)),
    byModel: models.map(modelCostOf),
  };
}
