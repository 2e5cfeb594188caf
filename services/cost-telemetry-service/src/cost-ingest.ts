import { createHash } from 'node:crypto';
import {
  DIMENSION_NAMES,
  DomainError,
  telemetryDimensions,
  type CostCategory,
  type TelemetryDimensions,
} from '@obs/domain';
import { HttpProblem, type EventOrigin, type ServiceContext } from '@obs/service-kit';
import { Decimal } from 'decimal.js';
import type { EntityManager } from 'typeorm';
import type { SignalRecomputer } from './cost-signal.recompute.js';
import { normalizeAmount } from './money.js';
import { dayKey, periodStartOf } from './periods.js';
import type { CostLineBody } from './routes/cost-record.schemas.js';

/** A validated line, normalised so that equal content hashes equally. */
export interface CostLine {
  readonly index: number;
  readonly lineId: string;
  readonly category: CostCategory;
  readonly occurredAt: string;
  readonly dayMs: number;
  readonly amount: string;
  readonly currency: string;
  readonly model: string | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly traceId: string | null;
  readonly dimensions: TelemetryDimensions;
  readonly contentHash: string;
}

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly duplicateLineIds: string[];
  readonly signalIds: string[];
}

const field = (index: number, name: string) => `body.lines.${index}.${name}`;

const unprocessable = (code: string, detail: string, fieldName: string, message: string) =>
  new HttpProblem(422, code, 'Unprocessable Content', detail, [{ field: fieldName, message }]);

/** The dimensions of a line under the token's tenant; refusals name the line's field. */
function dimensionsOf(line: CostLineBody, index: number, tenantId: string): TelemetryDimensions {
  const given = line.dimensions.tenantId;
  if (given !== undefined && given !== tenantId) {
    throw unprocessable(
      'cost.tenant_mismatch',
      `line ${index} names tenant ${given}, not the token's`,
      field(index, 'dimensions.tenantId'),
      "must be the token's tenant",
    );
  }
  try {
    return telemetryDimensions({ ...line.dimensions, tenantId });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw unprocessable(error.code, error.message, field(index, 'dimensions'), error.message);
  }
}

/** Validates and normalises one line of the body (the schema already checked its shape). */
export function costLineOf(line: CostLineBody, index: number, tenantId: string): CostLine {
  const dimensions = dimensionsOf(line, index, tenantId);
  const occurredAt = new Date(line.occurredAt).toISOString();
  const amount = normalizeAmount(line.amount);
  const isInference = line.category === 'model_inference';
  const normalized = {
    category: line.category,
    occurredAt,
    amount,
    currency: line.currency,
    model: isInference ? line.model : null,
    inputTokens: isInference ? line.inputTokens : null,
    outputTokens: isInference ? line.outputTokens : null,
    traceId: line.traceId ?? null,
  };
  const contentHash = createHash('sha256')
    .update(
      JSON.stringify([
        ...Object.values(normalized),
        ...DIMENSION_NAMES.map((name) => dimensions[name]),
      ]),
    )
    .digest('hex');
  return {
    index,
    lineId: line.lineId,
    dayMs: periodStartOf('day', Date.parse(occurredAt)),
    dimensions,
    contentHash,
    ...normalized,
  };
}

const lineConflict = (lines: CostLine[]) =>
  new HttpProblem(
    409,
    'cost.line_id_conflict',
    'Conflict',
    `line ids already used for other content: ${lines.map((l) => l.lineId).join(', ')}`,
    lines.map((l) => ({
      field: field(l.index, 'lineId'),
      message: 'this line id was sent before with different content',
    })),
  );

/**
 * `POST /v1/cost-records`: stores a batch of lines and recomputes the signals they affect, in
 * ONE transaction (so a read after the 200 sees them, and a refused batch writes nothing).
 * A line whose id the tenant already sent with the same content is a duplicate, counted once;
 * the same id with other content refuses the whole batch (409), like a reused idempotency key.
 */
export class CostIngest {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly recomputer: SignalRecomputer,
  ) {}

  async ingest(
    origin: EventOrigin,
    tenantId: string,
    body: CostLineBody[],
    receivedAt: string,
  ): Promise<IngestResult> {
    const { unique, repeated } = dedupeBatch(body.map((line, i) => costLineOf(line, i, tenantId)));
    const projects = [...new Set(unique.map((l) => l.dimensions.projectId))].sort();
    return this.ctx.uow.run(origin, async (tx) => {
      // Per-project locks, in one order: concurrent batches of a project serialise here (its
      // sums and signals are read-modify-write), and batches of several projects cannot deadlock.
      for (const projectId of projects) {
        await tx.manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `cost:${tenantId}:${projectId}`,
        ]);
      }
      const currencies = await this.projectCurrencies(tx.manager, tenantId, unique);
      const inserted = await this.insertLines(tx.manager, tenantId, unique, receivedAt);
      const stored = unique.filter((l) => !inserted.has(l.lineId));
      await this.checkStoredDuplicates(tx.manager, tenantId, stored);
      const fresh = unique.filter((l) => inserted.has(l.lineId));
      await this.addToRollup(tx.manager, tenantId, fresh);
      const signalIds: string[] = [];
      for (const projectId of projects) {
        const days = fresh.filter((l) => l.dimensions.projectId === projectId).map((l) => l.dayMs);
        if (days.length === 0) continue;
        const currency = currencies.get(projectId) as string;
        signalIds.push(
          ...(await this.recomputer.recompute(tx, { tenantId, projectId, currency }, days)),
        );
      }
      const duplicateLineIds = [...new Set([...repeated, ...stored.map((l) => l.lineId)])].sort();
      return {
        accepted: fresh.length,
        duplicates: body.length - fresh.length,
        duplicateLineIds,
        signalIds: [...new Set(signalIds)].sort(),
      };
    });
  }

  /** Each project's currency: fixed by its first line ever; a line in another one is a 422. */
  private async projectCurrencies(
    manager: EntityManager,
    tenantId: string,
    lines: CostLine[],
  ): Promise<Map<string, string>> {
    const first = new Map<string, string>();
    for (const line of lines) {
      if (!first.has(line.dimensions.projectId))
        first.set(line.dimensions.projectId, line.currency);
    }
    const projectIds = [...first.keys()];
    await manager.query(
      `INSERT INTO ${this.ctx.table('project_currencies')} (tenant_id, project_id, currency)
       SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      [tenantId, projectIds, projectIds.map((p) => first.get(p))],
    );
    const rows: { project_id: string; currency: string }[] = await manager.query(
      `SELECT project_id, currency FROM ${this.ctx.table('project_currencies')}
        WHERE tenant_id = $1 AND project_id = ANY($2::text[])`,
      [tenantId, projectIds],
    );
    const currencies = new Map(rows.map((r) => [r.project_id, r.currency]));
    for (const line of lines) {
      const expected = currencies.get(line.dimensions.projectId);
      if (line.currency !== expected) {
        throw unprocessable(
          'money.currency_mismatch',
          `project ${line.dimensions.projectId} is costed in ${expected}; line ${line.index} is in ${line.currency}`,
          field(line.index, 'currency'),
          `must be ${expected}, the project's currency`,
        );
      }
    }
    return currencies;
  }

  /** Inserts in line-id order (no deadlock between batches sharing ids); returns those inserted. */
  private async insertLines(
    manager: EntityManager,
    tenantId: string,
    lines: CostLine[],
    receivedAt: string,
  ): Promise<Set<string>> {
    const sorted = [...lines].sort((a, b) => (a.lineId < b.lineId ? -1 : 1));
    const column = <T>(pick: (l: CostLine) => T) => sorted.map(pick);
    const rows: { line_id: string }[] = await manager.query(
      `INSERT INTO ${this.ctx.table('cost_lines')} (tenant_id, received_at, line_id, project_id,
          occurred_at, day, category, amount, currency, model, input_tokens, output_tokens,
          trace_id, execution_id, agent_id, module_id, artifact_id, service, service_version,
          environment, region, origin, content_hash)
       SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::date[],
          $7::text[], $8::numeric[], $9::text[], $10::text[], $11::bigint[], $12::bigint[],
          $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
          $19::text[], $20::text[], $21::text[], $22::text[], $23::text[])
       ON CONFLICT (tenant_id, line_id) DO NOTHING
       RETURNING line_id`,
      [
        tenantId,
        receivedAt,
        column((l) => l.lineId),
        column((l) => l.dimensions.projectId),
        column((l) => l.occurredAt),
        column((l) => dayKey(l.dayMs)),
        column((l) => l.category),
        column((l) => l.amount),
        column((l) => l.currency),
        column((l) => l.model),
        column((l) => l.inputTokens),
        column((l) => l.outputTokens),
        column((l) => l.traceId),
        column((l) => l.dimensions.executionId),
        column((l) => l.dimensions.agentId),
        column((l) => l.dimensions.moduleId),
        column((l) => l.dimensions.artifactId),
        column((l) => l.dimensions.service),
        column((l) => l.dimensions.serviceVersion),
        column((l) => l.dimensions.environment),
        column((l) => l.dimensions.region),
        column((l) => l.dimensions.origin),
        column((l) => l.contentHash),
      ],
    );
    return new Set(rows.map((r) => r.line_id));
  }

  /** Lines already stored must be the same lines: another content under the id is a 409. */
  private async checkStoredDuplicates(
    manager: EntityManager,
    tenantId: string,
    lines: CostLine[],
  ): Promise<void> {
    if (lines.length === 0) return;
    const rows: { line_id: string; content_hash: string }[] = await manager.query(
      `SELECT line_id, content_hash FROM ${this.ctx.table('cost_lines')}
        WHERE tenant_id = $1 AND line_id = ANY($2::text[])`,
      [tenantId, lines.map((l) => l.lineId)],
    );
    const hashes = new Map(rows.map((r) => [r.line_id, r.content_hash]));
    const conflicting = lines.filter((l) => hashes.get(l.lineId) !== l.contentHash);
    if (conflicting.length > 0) throw lineConflict(conflicting);
  }

  /** Adds the new lines to the per-day, per-category totals (exact: numeric + decimal.js). */
  private async addToRollup(
    manager: EntityManager,
    tenantId: string,
    lines: CostLine[],
  ): Promise<void> {
    if (lines.length === 0) return;
    const totals = new Map<
      string,
      { projectId: string; day: string; category: string; sum: Decimal }
    >();
    for (const line of lines) {
      const day = dayKey(line.dayMs);
      const key = JSON.stringify([line.dimensions.projectId, day, line.category]);
      const entry = totals.get(key) ?? {
        projectId: line.dimensions.projectId,
        day,
        category: line.category,
        sum: new Decimal(0),
      };
      entry.sum = entry.sum.plus(line.amount);
      totals.set(key, entry);
    }
    const entries = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e);
    await manager.query(
      `INSERT INTO ${this.ctx.table('cost_daily_totals')} AS t (tenant_id, project_id, day, category, amount)
       SELECT $1, * FROM unnest($2::text[], $3::date[], $4::text[], $5::numeric[])
       ON CONFLICT (tenant_id, project_id, day, category)
       DO UPDATE SET amount = t.amount + EXCLUDED.amount`,
      [
        tenantId,
        entries.map((e) => e.projectId),
        entries.map((e) => e.day),
        entries.map((e) => e.category),
        entries.map((e) => e.sum.toFixed()),
      ],
    );
  }
}

/**
 * Lines repeated within the batch: identical ones are one line (the rest count as duplicates);
 * the same id with other content is a 409 before anything is written.
 */
export function dedupeBatch(lines: CostLine[]): {
  unique: CostLine[];
  repeated: string[];
} {
  const byId = new Map<string, CostLine>();
  const repeated: string[] = [];
  const conflicting: CostLine[] = [];
  for (const line of lines) {
    const first = byId.get(line.lineId);
    if (first === undefined) byId.set(line.lineId, line);
    else if (first.contentHash === line.contentHash) repeated.push(line.lineId);
    else conflicting.push(line);
  }
  if (conflicting.length > 0) throw lineConflict(conflicting);
  return { unique: [...byId.values()], repeated };
}
