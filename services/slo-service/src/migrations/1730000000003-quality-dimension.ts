import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `slos.quality_dimension`: the quality dimension an SLO declares it guards (issue 29); null, as
 * for every SLO defined before, means its SLI's default (latency → performance, else reliability).
 */
export class QualityDimension1730000000003 implements MigrationInterface {
  name = 'QualityDimension1730000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE slo.slos ADD COLUMN quality_dimension text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE slo.slos DROP COLUMN quality_dimension');
  }
}
