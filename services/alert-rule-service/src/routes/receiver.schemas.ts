import { RECEIVER_NAME_MAX_LENGTH, RECEIVER_TYPES, RECEIVER_URL_MAX_LENGTH } from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { NOTIFICATION_STATUSES } from '../notification.repository.js';
import { nonBlank } from './alert-rule.schemas.js';

/** What the domain can still refuse a schema-valid receiver with. */
export const RECEIVER_DOMAIN_CODES = ['receiver.invalid_url'] as const;

const RECEIVER_ID = '8d0f6a2e-5b1c-4e7d-9a3f-2c4b6d8e0f1a';
const EXAMPLE_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EXAMPLE_CONFIG = {
  name: 'payments team hook',
  type: 'webhook',
  url: 'https://hooks.example.com/alertmanager',
  sendResolved: true,
} as const;

/** Standard Webhooks secrets: `whsec_` and the base64 of 24 to 64 bytes. */
const secretSchema = z
  .string()
  .regex(/^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/)
  .describe(
    'Signing secret, Standard Webhooks form: whsec_ then the base64 of 24-64 random bytes. Write-only: never returned by GET or list',
  );

const receiverConfig = {
  name: nonBlank(RECEIVER_NAME_MAX_LENGTH).describe(
    'Unique per tenant (case-insensitive; 409 when taken); trimmed',
  ),
  type: z
    .enum(RECEIVER_TYPES)
    .describe('webhook: an Alertmanager v4 JSON POST, Standard Webhooks signed'),
  url: z
    .string()
    .max(RECEIVER_URL_MAX_LENGTH)
    .regex(/^https?:\/\/\S+$/)
    .describe(
      'Where notifications are POSTed: an absolute http(s) URL without credentials (else 422 receiver.invalid_url). Resolved at send time: a loopback, private, link-local, CGNAT or metadata address is refused then',
    ),
  sendResolved: z
    .boolean()
    .optional()
    .describe('Also notify when the alert resolves (Alertmanager send_resolved); default false'),
};

export const createReceiverSchema = z
  .strictObject({
    ...receiverConfig,
    secret: secretSchema
      .optional()
      .describe(
        'Signing secret (whsec_ + base64 of 24-64 bytes); generated when absent and returned once, in this answer',
      ),
  })
  .describe('A new receiver')
  .meta({ example: EXAMPLE_CONFIG });

export const replaceReceiverSchema = z
  .strictObject({
    ...receiverConfig,
    secret: secretSchema
      .optional()
      .describe('A new signing secret rotates it; absent keeps the current one'),
  })
  .describe("The receiver's new configuration")
  .meta({ example: EXAMPLE_CONFIG });

const receiverFields = {
  id: z.uuid(),
  name: z.string(),
  type: z.enum(RECEIVER_TYPES),
  url: z.string(),
  sendResolved: z.boolean(),
  version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};
const EXAMPLE_RECEIVER = {
  id: RECEIVER_ID,
  ...EXAMPLE_CONFIG,
  version: 1,
  createdAt: '2024-05-01T10:00:00.000Z',
  updatedAt: '2024-05-01T10:00:00.000Z',
};

export const receiverSchema = z
  .object(receiverFields)
  .describe('A receiver (the secret is write-only and never shown)')
  .meta({ example: EXAMPLE_RECEIVER });

export const createdReceiverSchema = z
  .object({
    ...receiverFields,
    secret: z
      .string()
      .describe('The signing secret, shown this once: store it to verify webhook-signature'),
  })
  .describe('The new receiver, with its signing secret (the only time it is shown)')
  .meta({ example: { ...EXAMPLE_RECEIVER, secret: EXAMPLE_SECRET } });

export const receiverListQuerySchema = z
  .object({
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `1714557600000.${RECEIVER_ID}` }),
    type: z.enum(RECEIVER_TYPES).optional().describe('Only receivers of this type'),
  })
  .meta({ example: { type: 'webhook', limit: 50 } });

const NOTIFICATION_ID = 'b7e4c1d2-3f5a-4b6c-8d9e-0f1a2b3c4d5e';
const RULE_ID = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';

export const notificationSchema = z
  .object({
    id: z.uuid().describe('Also the webhook-id header of every attempt: receivers dedupe on it'),
    receiverId: z.uuid(),
    alertRuleId: z.uuid(),
    fingerprint: z.string().describe('The alert: <rule id>:<group key>'),
    status: z
      .enum(NOTIFICATION_STATUSES)
      .describe(
        'pending (due at nextAttemptAt), delivered (a 2xx), failed (final: a 4xx other than 408/429, a refused target, the receiver deleted), dead (every attempt used)',
      ),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    lastStatusCode: z.number().int().nullable().describe("The receiver's last HTTP status"),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .describe('One notification owed to a receiver, and how its delivery went')
  .meta({
    example: {
      id: NOTIFICATION_ID,
      receiverId: RECEIVER_ID,
      alertRuleId: RULE_ID,
      fingerprint: `${RULE_ID}:service=payments-api`,
      status: 'delivered',
      attempts: 2,
      nextAttemptAt: null,
      lastError: null,
      lastStatusCode: 200,
      createdAt: '2024-05-01T10:03:00.000Z',
      deliveredAt: '2024-05-01T10:03:11.000Z',
    },
  });

export const notificationListQuerySchema = z
  .object({
    limit: keysetPageQuery.limit.meta({ example: 50 }),
    cursor: keysetPageQuery.cursor.meta({ example: `1714557600000.${NOTIFICATION_ID}` }),
    receiverId: z.uuid().optional().describe('Only notifications to this receiver'),
    alertRuleId: z.uuid().optional().describe('Only notifications of this rule'),
    status: z.enum(NOTIFICATION_STATUSES).optional(),
  })
  .meta({ example: { status: 'dead', limit: 50 } });
