import { randomBytes, randomUUID } from 'node:crypto';
import {
  DomainError,
  Receiver,
  WEBHOOK_SECRET_PREFIX,
  type ReplaceReceiverInput,
} from '@obs/domain';
import {
  commandRoute,
  createRoute,
  deleteRoute,
  getRoute,
  listRoute,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  findNotification,
  findReceiver,
  listNotifications,
  listReceivers,
} from '../receiver.queries.js';
import { toReceiverRow, type ReceiverStore } from '../receiver.repository.js';
import { receiverView } from '../receiver.view.js';
import {
  createdReceiverSchema,
  createReceiverSchema,
  notificationListQuerySchema,
  notificationSchema,
  RECEIVER_DOMAIN_CODES,
  receiverListQuerySchema,
  receiverSchema,
  replaceReceiverSchema,
} from './receiver.schemas.js';

const RECEIVERS_URL = '/v1/receivers';
const NOTIFICATIONS_URL = '/v1/notifications';
const TAGS = ['receivers'];
const NOTIFICATION_TAGS = ['notifications'];

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

/** Both bodies have this shape (the create's write-only fields are a subset of the replace's). */
type ReceiverBody = z.output<typeof replaceReceiverSchema>;

/** The domain's input from either body: each kind's own fields, the others absent. */
function receiverInput(body: ReceiverBody): ReplaceReceiverInput {
  switch (body.type) {
    case 'webhook':
      return {
        name: body.name,
        type: body.type,
        url: body.url,
        sendResolved: body.sendResolved,
        secret: body.secret,
      };
    case 'slack':
    case 'alertmanager':
      return { name: body.name, type: body.type, url: body.url, sendResolved: body.sendResolved };
    case 'email':
      return {
        name: body.name,
        type: body.type,
        email: body.email,
        sendResolved: body.sendResolved,
        credentials: body.credentials,
      };
    default: {
      const unreachable: never = body;
      throw new Error(`unknown receiver body ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Receivers (kit routes throughout) and the notifications owed to them (read-only). */
export function receiverRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: ReceiverStore,
): void {
  createRoute(app, ctx, {
    url: RECEIVERS_URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Create a receiver',
    description:
      'Defines a notification target once for the tenant: `webhook` (Alertmanager v4 JSON, Standard Webhooks signed), `slack` (incoming webhook), `email` (SMTP) or `alertmanager` (an existing Alertmanager\'s /api/v2/alerts). Alert rules name any of them from a webhook action (`{ "type": "webhook", "target": "<receiver id>" }`). A webhook\'s signing secret is generated when not given and returned in this answer only; credentials (secret, slack URL, SMTP credentials) are never shown again. A name taken in the tenant answers 409.',
    body: createReceiverSchema,
    response: createdReceiverSchema,
    domainCodes: RECEIVER_DOMAIN_CODES,
    store,
    create: (body, call) =>
      Receiver.create({
        receiverId: randomUUID(),
        tenantId: call.auth.tenantId,
        ...receiverInput(body),
        credentials: body.type === 'email' ? (body.credentials ?? undefined) : undefined,
        secret: body.type === 'webhook' ? (body.secret ?? generateWebhookSecret()) : undefined,
        at: call.at,
      }),
    toDto: (saved) => {
      const { secret } = toReceiverRow(saved.aggregate, saved.version);
      return {
        ...receiverView(saved.aggregate.toSnapshot(), saved.version),
        ...(secret === null ? {} : { secret }),
      };
    },
  });

  listRoute(app, {
    url: RECEIVERS_URL,
    tags: TAGS,
    summary: 'List receivers',
    description:
      "The tenant's receivers, newest first (createdAt, then id); credentials are never shown.",
    querystring: receiverListQuerySchema,
    item: receiverSchema,
    list: (tenantId, query) => listReceivers(ctx.dataSource, tenantId, { type: query.type }, query),
  });

  getRoute(app, {
    url: `${RECEIVERS_URL}/:id`,
    tags: TAGS,
    summary: 'Get a receiver',
    description: 'One receiver, with ETag "<version>" for If-Match; credentials are never shown.',
    resource: 'receiver',
    response: receiverSchema,
    find: (tenantId, id) => findReceiver(ctx.dataSource, tenantId, id),
    versionOf: (receiver) => receiver.version,
  });

  commandRoute(app, ctx, {
    url: `${RECEIVERS_URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: TAGS,
    summary: 'Replace a receiver',
    description:
      'Replaces the configuration. Write-only fields may be left out while the type stays the same and are then kept: a webhook `secret` (given: rotated), a slack `url`, email `credentials` (null removes them). A replacement that changes nothing keeps the version. Pending notifications go to the new configuration.',
    body: replaceReceiverSchema,
    response: receiverSchema,
    domainCodes: RECEIVER_DOMAIN_CODES,
    store,
    run: (receiver, body, call) => receiver.replace(receiverInput(body), call.at),
    toDto: (saved) => receiverView(saved.aggregate.toSnapshot(), saved.version),
  });

  deleteRoute(app, ctx, {
    url: `${RECEIVERS_URL}/:id`,
    tags: TAGS,
    summary: 'Delete a receiver',
    description:
      'Deletes a receiver no alert rule names (else 422 `receiver.in_use`: change the rules first). Its notification history stays readable; pending ones fail as "receiver was deleted".',
    store,
    domainCodes: ['receiver.in_use'],
    remove: async (receiver, call, tx) => {
      const named = await tx.manager.query<unknown[]>(
        `SELECT 1 FROM ${ctx.table('alert_rules')}
          WHERE tenant_id = $1 AND actions @> $2::jsonb LIMIT 1`,
        [call.auth.tenantId, JSON.stringify([{ type: 'webhook', target: receiver.id }])],
      );
      if (named.length > 0) {
        throw new DomainError('receiver.in_use', 'an alert rule still names this receiver', {
          receiverId: receiver.id,
        });
      }
    },
  });

  listRoute(app, {
    url: NOTIFICATIONS_URL,
    tags: NOTIFICATION_TAGS,
    summary: 'List notifications',
    description:
      "The tenant's notifications, newest first (createdAt, then id), filtered by receiverId, alertRuleId, incidentId (escalation steps), sloId (burn-rate alerts) and status (filters combine with AND): what was owed to whom, how many attempts, the last error and the receiver's last status code.",
    querystring: notificationListQuerySchema,
    item: notificationSchema,
    list: (tenantId, query) =>
      listNotifications(
        ctx.dataSource,
        tenantId,
        {
          receiverId: query.receiverId,
          alertRuleId: query.alertRuleId,
          incidentId: query.incidentId,
          sloId: query.sloId,
          status: query.status,
        },
        query,
      ),
  });

  getRoute(app, {
    url: `${NOTIFICATIONS_URL}/:id`,
    tags: NOTIFICATION_TAGS,
    summary: 'Get a notification',
    description: 'One notification and its delivery state.',
    resource: 'notification',
    response: notificationSchema,
    find: (tenantId, id) => findNotification(ctx.dataSource, tenantId, id),
  });
}
