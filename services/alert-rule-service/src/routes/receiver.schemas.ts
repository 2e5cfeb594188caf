import {
  EMAIL_ADDRESS_MAX_LENGTH,
  EMAIL_RECIPIENTS_MAX,
  RECEIVER_NAME_MAX_LENGTH,
  RECEIVER_TYPES,
  RECEIVER_URL_MAX_LENGTH,
  SMTP_CREDENTIAL_MAX_LENGTH,
  SMTP_HOST_MAX_LENGTH,
  SMTP_TLS_MODES,
} from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { NOTIFICATION_STATUSES } from '../notification.repository.js';
import { nonBlank } from './alert-rule.schemas.js';

/** What the domain can still refuse a schema-valid receiver with. */
export const RECEIVER_DOMAIN_CODES = [
  'receiver.invalid_url',
  'receiver.url_required',
  'receiver.secret_required',
  'receiver.field_not_allowed',
  'receiver.invalid_email',
  'receiver.invalid_smtp_host',
] as const;

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

const urlSchema = z
  .string()
  .max(RECEIVER_URL_MAX_LENGTH)
  .regex(/^https?:\/\/\S+$/);

const name = nonBlank(RECEIVER_NAME_MAX_LENGTH).describe(
  'Unique per tenant (case-insensitive; 409 when taken); trimmed',
);
const sendResolved = z
  .boolean()
  .optional()
  .describe('Also notify when the alert resolves (Alertmanager send_resolved); default false');

const emailAddressSchema = z
  .string()
  .min(3)
  .max(EMAIL_ADDRESS_MAX_LENGTH)
  .regex(/^[^\s@]+@[^\s@]+$/)
  .describe('One address, local@domain, no display name (else 422 receiver.invalid_email)');

const emailSettingsSchema = z
  .strictObject({
    to: z
      .array(emailAddressSchema)
      .min(1)
      .max(EMAIL_RECIPIENTS_MAX)
      .describe('Recipients (duplicates are kept once)'),
    from: emailAddressSchema.describe('The sender address (envelope and From header)'),
    smtp: z
      .strictObject({
        host: z
          .string()
          .min(1)
          .max(SMTP_HOST_MAX_LENGTH)
          .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/)
          .describe(
            'SMTP server host name or IP literal, no scheme or port. Resolved at send time: a loopback, private, link-local, CGNAT or metadata address is refused then',
          ),
        port: z
          .number()
          .int()
          .min(1)
          .max(65_535)
          .describe('Usually 587 (starttls) or 465 (implicit)'),
        tls: z
          .enum(SMTP_TLS_MODES)
          .describe(
            'implicit: TLS from the first byte; starttls: STARTTLS required (a server without it is refused); none: plain text (development relays only)',
          ),
      })
      .describe('The SMTP server the mail is handed to'),
  })
  .describe('Where an email receiver sends, and through which server');

const credentialsSchema = z
  .strictObject({
    username: z.string().min(1).max(SMTP_CREDENTIAL_MAX_LENGTH),
    password: z.string().min(1).max(SMTP_CREDENTIAL_MAX_LENGTH),
  })
  .describe('SMTP AUTH credentials. Write-only: never returned');

/** One kind's body; `create` decides whether write-only fields say "generated" or "kept". */
function kindBodies(create: boolean) {
  const keep = create ? 'required' : 'absent keeps the current one (same type only)';
  return [
    z
      .strictObject({
        name,
        type: z
          .literal('webhook')
          .describe('An Alertmanager v4 JSON POST, Standard Webhooks signed'),
        url: urlSchema.describe(
          'Where notifications are POSTed: an absolute http(s) URL without credentials (else 422 receiver.invalid_url). Resolved at send time: a loopback, private, link-local, CGNAT or metadata address is refused then',
        ),
        sendResolved,
        secret: secretSchema
          .optional()
          .describe(
            create
              ? 'Signing secret (whsec_ + base64 of 24-64 bytes); generated when absent and returned once, in this answer'
              : 'A new signing secret rotates it; absent keeps the current one',
          ),
      })
      .describe('webhook receiver'),
    z
      .strictObject({
        name,
        type: z.literal('slack').describe('A Slack incoming webhook (text and blocks)'),
        url: (create ? urlSchema : urlSchema.optional()).describe(
          `The incoming-webhook URL (https://hooks.slack.com/services/…). A credential: write-only, shown as its origin only; ${keep}`,
        ),
        sendResolved,
      })
      .describe('slack receiver'),
    z
      .strictObject({
        name,
        type: z.literal('email').describe('Mail through an SMTP server'),
        email: emailSettingsSchema,
        credentials: (create
          ? credentialsSchema.optional()
          : credentialsSchema.nullable().optional()
        ).describe(
          create
            ? 'SMTP AUTH credentials, if the server wants them. Write-only'
            : 'New SMTP AUTH credentials; null removes them; absent keeps the current ones. Write-only',
        ),
        sendResolved,
      })
      .describe('email receiver'),
    z
      .strictObject({
        name,
        type: z
          .literal('alertmanager')
          .describe('An existing Alertmanager: alerts are POSTed to its /api/v2/alerts'),
        url: urlSchema.describe(
          "The Alertmanager's base URL (http://alertmanager:9093); /api/v2/alerts is appended. Resolved at send time like a webhook's",
        ),
        sendResolved,
      })
      .describe('alertmanager receiver'),
  ] as const;
}

export const createReceiverSchema = z
  .discriminatedUnion('type', kindBodies(true))
  .describe('A new receiver; the fields depend on its type')
  .meta({ example: EXAMPLE_CONFIG });

export const replaceReceiverSchema = z
  .discriminatedUnion('type', kindBodies(false))
  .describe("The receiver's new configuration")
  .meta({ example: EXAMPLE_CONFIG });

const receiverFields = {
  id: z.uuid(),
  name: z.string(),
  type: z.enum(RECEIVER_TYPES),
  url: z
    .string()
    .nullable()
    .describe(
      'webhook and alertmanager: the URL; slack: its origin only (the rest is a credential); email: null',
    ),
  sendResolved: z.boolean(),
  email: z
    .object({
      to: z.array(z.string()),
      from: z.string(),
      smtp: z.object({
        host: z.string(),
        port: z.number().int(),
        tls: z.enum(SMTP_TLS_MODES),
      }),
      authenticated: z
        .boolean()
        .describe('Whether SMTP credentials are set (they are never shown)'),
    })
    .nullable()
    .describe('email receivers only; null otherwise'),
  version: z.number().int().describe('Optimistic-concurrency version; also the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};
const EXAMPLE_RECEIVER = {
  id: RECEIVER_ID,
  ...EXAMPLE_CONFIG,
  email: null,
  version: 1,
  createdAt: '2024-05-01T10:00:00.000Z',
  updatedAt: '2024-05-01T10:00:00.000Z',
};

export const receiverSchema = z
  .object(receiverFields)
  .describe('A receiver (credentials are write-only and never shown)')
  .meta({ example: EXAMPLE_RECEIVER });

export const createdReceiverSchema = z
  .object({
    ...receiverFields,
    secret: z
      .string()
      .optional()
      .describe(
        "A webhook's signing secret, shown this once: store it to verify webhook-signature (absent for other types)",
      ),
  })
  .describe("The new receiver, with a webhook's signing secret (the only time it is shown)")
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
    alertRuleId: z
      .uuid()
      .nullable()
      .describe(
        "The alert's rule; for an escalation the rule whose alert opened the incident (the nil uuid when none did); null for an SLO burn-rate alert",
      ),
    sloId: z.uuid().nullable().describe('The SLO of a burn-rate alert, else null'),
    incidentId: z.uuid().nullable().describe('The incident of an escalation step, else null'),
    fingerprint: z
      .string()
      .describe(
        'The alert: <rule id>:<group key>; incident:<incident id> for an escalation; <slo id>:<page|ticket> for an SLO burn-rate alert',
      ),
    status: z
      .enum(NOTIFICATION_STATUSES)
      .describe(
        'pending (due at nextAttemptAt), delivered (a 2xx; an SMTP 2xx), failed (final: a 4xx other than 408/429, an SMTP 5xx, a refused target, the receiver deleted), dead (every attempt used)',
      ),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    lastStatusCode: z
      .number()
      .int()
      .nullable()
      .describe("The receiver's last status: an HTTP status, or an SMTP reply code for email"),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .describe('One notification owed to a receiver, and how its delivery went')
  .meta({
    example: {
      id: NOTIFICATION_ID,
      receiverId: RECEIVER_ID,
      alertRuleId: RULE_ID,
      sloId: null,
      incidentId: null,
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
    incidentId: z
      .uuid()
      .optional()
      .describe("Only the notifications of this incident's escalation steps"),
    sloId: z.uuid().optional().describe("Only the notifications of this SLO's burn-rate alerts"),
    status: z.enum(NOTIFICATION_STATUSES).optional(),
  })
  .meta({ example: { status: 'dead', limit: 50 } });
