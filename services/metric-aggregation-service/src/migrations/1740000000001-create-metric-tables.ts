import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Streams, raw points, windows and the metric catalogue. What the indexes are for:
 * - `windows_open_idx`: the close job reads only open windows, by end.
 * - `windows_series_idx`: a chart's query (tenant, metric, size, time range).
 * - `metrics (tenant_id, name)` unique: the catalogue upsert, and the name-ordered list.
 * - `cumulative_streams`: the last cumulative point per OTLP stream (the baseline of the next
 *   delta). A row with no state is a placeholder: inserted first so that two requests of a new
 *   stream serialise on it instead of both taking the whole value as their delta.
 * `raw_points` has its identity key only: it is written on every ingest and read only to replay.
 */
export class CreateMetricTables1740000000001 implements MigrationInterface {
  name = 'CreateMetricTables1740000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metric.streams (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        metric_name text NOT NULL,
        unit text NOT NULL,
        kind text NOT NULL
          CHECK (kind IN ('gauge', 'sum', 'histogram', 'exponential_histogram', 'summary')),
        dimensions jsonb NOT NULL,
        attributes jsonb NOT NULL,
        labels jsonb NOT NULL,
        group_key text NOT NULL,
        last_point_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX streams_tenant_idx ON metric.streams (tenant_id, last_point_at)');
    await q.query(`
      CREATE TABLE metric.raw_points (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL,
        stream_id text NOT NULL,
        observed_at timestamptz NOT NULL,
        value double precision NOT NULL,
        trace_id text,
        detail jsonb,
        late boolean NOT NULL,
        received_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE metric.windows (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        project_id text NOT NULL,
        metric_name text NOT NULL,
        stream_id text NOT NULL,
        window_size text NOT NULL CHECK (window_size IN ('1m', '5m', '1h', '1d')),
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        unit text NOT NULL,
        group_key text NOT NULL,
        group_values jsonb NOT NULL,
        count bigint NOT NULL CHECK (count >= 0),
        state jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'closed')),
        closed_at timestamptz,
        version integer NOT NULL CHECK (version >= 0),
        CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
        CHECK (window_start < window_end)
      )`);
    await q.query(
      `CREATE INDEX windows_open_idx ON metric.windows (window_end, id) WHERE status = 'open'`,
    );
    await q.query(
      'CREATE INDEX windows_series_idx ON metric.windows (tenant_id, metric_name, window_size, window_start)',
    );
    await q.query(`
      CREATE TABLE metric.metrics (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        unit text NOT NULL,
        kind text NOT NULL
          CHECK (kind IN ('gauge', 'sum', 'histogram', 'exponential_histogram', 'summary')),
        dimensions text[] NOT NULL,
        attributes text[] NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        late_points bigint NOT NULL CHECK (late_points >= 0),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE metric.cumulative_streams (
        stream_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        start_time_unix_nano numeric(20, 0),
        time_unix_nano numeric(20, 0),
        state jsonb,
        CHECK ((state IS NULL) = (time_unix_nano IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE metric.cumulative_streams');
    await q.query('DROP TABLE metric.metrics');
    await q.query('DROP TABLE metric.windows');
    await q.query('DROP TABLE metric.raw_points');
    await q.query('DROP TABLE metric.streams');
  }
}
