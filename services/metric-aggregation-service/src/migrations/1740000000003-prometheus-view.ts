import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the Prometheus HTTP API reads (docs/services/metric-aggregation.md#prometheus-http-api):
 * - `streams.prom_type`: the Prometheus type of the stream's series (gauge, counter, histogram,
 *   summary; NULL for what is not exposed, such as delta sums), so series are named without
 *   reading points.
 * - `raw_points.prom`: the point's value as Prometheus sees it where it differs from `value`: the
 *   cumulative total as received for a counter (`value` holds the delta the windows count).
 * - `raw_points (stream_id, observed_at)`: selectors read a stream's samples in a time range.
 */
export class PrometheusView1740000000003 implements MigrationInterface {
  name = 'PrometheusView1740000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE metric.streams ADD COLUMN prom_type text');
    await q.query('ALTER TABLE metric.raw_points ADD COLUMN prom jsonb');
    await q.query(
      'CREATE INDEX raw_points_stream_time_idx ON metric.raw_points (stream_id, observed_at)',
    );
    await q.query(
      'CREATE INDEX streams_tenant_metric_idx ON metric.streams (tenant_id, metric_name)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX metric.streams_tenant_metric_idx');
    await q.query('DROP INDEX metric.raw_points_stream_time_idx');
    await q.query('ALTER TABLE metric.raw_points DROP COLUMN prom');
    await q.query('ALTER TABLE metric.streams DROP COLUMN prom_type');
  }
}
