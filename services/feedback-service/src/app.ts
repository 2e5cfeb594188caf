import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { AttachmentUpload } from './attachment-upload.js';
import { BlobStore } from './blob-store.js';
import { feedbackConfigFrom, type FeedbackServiceConfig } from './config.js';
import { costAnomalyDetectedConsumer } from './consumers/cost-anomaly-detected.consumer.js';
import { incidentResolvedConsumer } from './consumers/incident-resolved.consumer.js';
import { sloBreachedConsumer } from './consumers/slo-breached.consumer.js';
import { FeedbackExportEntity, FeedbackExports } from './feedback-export.repository.js';
import { FeedbackIntake } from './feedback-intake.js';
import {
  FeedbackAttachmentEntity,
  FeedbackItemEntity,
  feedbackItemStore,
} from './feedback-item.repository.js';
import { FeedbackRouteEntity, feedbackRouteStore } from './feedback-route.repository.js';
import { FeedbackExportJob } from './jobs/feedback-export.job.js';
import { CreateFeedback1740000000001 } from './migrations/1740000000001-create-feedback.js';
import { KitIdempotencyKeys1740000000002 } from './migrations/1740000000002-kit-idempotency-keys.js';
import { FeedbackRoutes1740000000003 } from './migrations/1740000000003-feedback-routes.js';
import { attachmentRoutes } from './routes/attachment.routes.js';
import { exportRoutes } from './routes/export.routes.js';
import { feedbackRouteRoutes } from './routes/feedback-route.routes.js';
import { feedbackRoutes } from './routes/feedback.routes.js';

const DESCRIPTION = `Feedback items: the durable records of the improvement loop. People (write scope) and
agents or machines (ingest scope) post them, with an optional Idempotency-Key; resolved incidents,
SLO breaches and cost anomalies become items on their own. An item moves captured → routed (to a
team or agent, by the first matching routing rule of /v1/feedback-routes when it is created, or by
hand; its summary is frozen from here on) → applied (naming the change that applied it). An agent's
ingest token lists its own inbox (GET /v1/feedback) and applies what was routed to it.
Attachments are streamed to Azure Blob storage as multipart/form-data and streamed back; exports
write the items matching a filter as NDJSON to Blob. Publishes FeedbackItemCreated,
FeedbackItemRouted and FeedbackItemApplied (public) on obs.feedback-item.v1. Reads need the \`read\` scope, changes \`write\`.`;

/** The blob container of one built service: created (if missing) when the service is composed. */
function blobStoreOf(config: FeedbackServiceConfig): BlobStore {
  if (!config.storageConnectionString) {
    throw new Error(
      'feedback-service: AZURE_STORAGE_CONNECTION_STRING is required (pnpm start sets it to Azurite)',
    );
  }
  return BlobStore.fromConnectionString(config.storageConnectionString, config.blobContainer);
}

/**
 * The service definition for a given configuration (tests pass their own; the kit's Env only
 * carries platform-wide settings, so the service reads its own with feedbackConfigFrom).
 */
export function createFeedbackService(config: FeedbackServiceConfig): ServiceDefinition {
  return {
    name: 'feedback-service',
    schema: 'feedback',
    defaultPort: 4107,
    openapi: { title: 'feedback-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [
      FeedbackItemEntity,
      FeedbackAttachmentEntity,
      FeedbackExportEntity,
      FeedbackRouteEntity,
    ],
    migrations: [
      CreateFeedback1740000000001,
      KitIdempotencyKeys1740000000002,
      FeedbackRoutes1740000000003,
    ],
    topics: [topicFor('FeedbackItemCreated')],
    compose: async (ctx) => {
      const blobs = blobStoreOf(config);
      await blobs.ensureContainer();
      const store = feedbackItemStore(ctx.dataSource, ctx.uow);
      const exports = new FeedbackExports(ctx.dataSource, ctx.table('feedback_exports'));
      const intake = new FeedbackIntake(store);
      const upload = new AttachmentUpload(store, blobs, config, ctx.clock);
      return {
        routes: async (app) => {
          feedbackRoutes(app, ctx, store, config.idempotencyTtlHours);
          feedbackRouteRoutes(app, ctx, feedbackRouteStore(ctx.dataSource, ctx.uow));
          await attachmentRoutes(app, ctx, upload, blobs, config);
          exportRoutes(app, ctx, exports, blobs);
        },
        consumers: [
          incidentResolvedConsumer(intake),
          sloBreachedConsumer(intake),
          costAnomalyDetectedConsumer(intake),
        ],
        jobs: [new FeedbackExportJob(ctx, exports, blobs).asJob(config.exportIntervalMs)],
      };
    },
  };
}

/** Configured from the process environment (AZURE_STORAGE_CONNECTION_STRING, FEEDBACK_*). */
export const feedbackService: ServiceDefinition = createFeedbackService(
  feedbackConfigFrom(process.env),
);

export { feedbackConfigFrom };
export type { FeedbackServiceConfig };
