import { topicFor } from '@obs/event-envelope';
import type { ServiceContext, ServiceDefinition } from '@obs/service-kit';
import { costAnomalyDetectedConsumer } from './consumers/cost-anomaly-detected.consumer.js';
import { feedbackItemCreatedConsumer } from './consumers/feedback-item-created.consumer.js';
import { incidentConsumer } from './consumers/incident.consumer.js';
import { sloBreachedConsumer } from './consumers/slo-breached.consumer.js';
import { CreateQualityScore1750000000001 } from './migrations/1750000000001-create-quality-score.js';
import { CausesAndCost1750000000002 } from './migrations/1750000000002-causes-and-cost.js';
import { QualityInputs } from './quality-inputs.js';
import { QualityIntake } from './quality-intake.js';
import { QualityScoreRevisionEntity } from './quality-score.queries.js';
import { QualityScoreEntity, qualityScoreStore } from './quality-score.repository.js';
import { qualityScoreRoutes } from './routes/quality-score.routes.js';
import { ScoreRecomputer } from './score-recomputer.js';

const DESCRIPTION = `Quality scores: how well a project is doing over a window, in five dimensions
(reliability, performance, cost_efficiency, maintainability, correctness, each in [0, 1]) and an
overall weighted mean, plus a score per artifact. A score is a pure function of the inputs this
service keeps in its own schema, built from the events it consumes (FeedbackItemCreated, Routed
and Applied, IncidentOpened, IncidentResolved, SloBreached, CostAnomalyDetected) and from external
check results (CI, linters) posted to it; each cause (an SLO breach, the incident it opened and the
feedback made of them) counts once. Each consumed signal recomputes its UTC day and every stored window it touches;
\`POST /v1/quality-scores:compute\` scores any window. The same inputs always store the same score;
a change publishes QualityScoreComputed (public) on obs.quality-score.v1. The formulas are in
docs/services/quality-score.md. Reads need \`read\`, compute \`write\`, check results \`ingest\`.`;

export const qualityScoreService: ServiceDefinition = {
  name: 'quality-score-service',
  schema: 'quality_score',
  defaultPort: 4108,
  openapi: { title: 'quality-score-service', description: DESCRIPTION, version: '1.0.0' },
  entities: [QualityScoreEntity, QualityScoreRevisionEntity],
  migrations: [CreateQualityScore1750000000001, CausesAndCost1750000000002],
  topics: [topicFor('QualityScoreComputed')],
  compose: (ctx: ServiceContext) => {
    const inputs = new QualityInputs(ctx);
    const store = qualityScoreStore(ctx.dataSource, ctx.uow, ctx.table('quality_score_revisions'));
    const recomputer = new ScoreRecomputer(ctx, inputs, store);
    const intake = new QualityIntake(inputs, recomputer);
    return {
      routes: (app) => qualityScoreRoutes(app, ctx, inputs, recomputer),
      consumers: [
        feedbackItemCreatedConsumer(intake),
        incidentConsumer(intake),
        sloBreachedConsumer(intake),
        costAnomalyDetectedConsumer(intake),
      ],
    };
  },
};
