import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The local metric catalogue (learnt from MetricAggregated) is gone: conditions now resolve their
 * metric against metric-aggregation-service, which owns the catalogue.
 */
export class DropKnownMetrics1730000000002 implements MigrationInterface {
  name = 'DropKnownMetrics1730000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS alert_rule.known_metrics');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule.known_metrics (
        tenant_id text NOT NULL,
        metric_name text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, metric_name)
      )`);
  }
}
