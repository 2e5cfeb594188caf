import type { ReceiverSnapshot, ReceiverType, SmtpTlsMode } from '@obs/domain';
import type { ReceiverRow } from './receiver.repository.js';

/** An email receiver as the API shows it: whether it authenticates, never with what. */
export interface EmailView {
  readonly to: string[];
  readonly from: string;
  readonly smtp: { readonly host: string; readonly port: number; readonly tls: SmtpTlsMode };
  readonly authenticated: boolean;
}

/**
 * A receiver as the API shows it: everything but its credentials, which are write-only (a
 * webhook's secret, SMTP credentials, and a slack incoming-webhook URL, shown as its origin only).
 */
export interface ReceiverView {
  readonly id: string;
  readonly name: string;
  readonly type: ReceiverType;
  readonly url: string | null;
  readonly sendResolved: boolean;
  readonly email: EmailView | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A slack incoming-webhook URL holds its token in the path: only the origin is shown. */
export function redactedUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}

type ViewFields = Pick<ReceiverSnapshot, 'name' | 'type' | 'url' | 'sendResolved' | 'email'> & {
  readonly credentials: unknown;
};

function kindView(s: ViewFields) {
  return {
    name: s.name,
    type: s.type,
    url: s.url === null ? null : s.type === 'slack' ? redactedUrl(s.url) : s.url,
    sendResolved: s.sendResolved,
    email:
      s.email === null
        ? null
        : {
            to: [...s.email.to],
            from: s.email.from,
            smtp: { ...s.email.smtp },
            authenticated: s.credentials !== null,
          },
  };
}

export function receiverView(s: ReceiverSnapshot, version: number): ReceiverView {
  return {
    id: s.receiverId,
    ...kindView(s),
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function receiverViewOfRow(row: ReceiverRow): ReceiverView {
  return {
    id: row.id,
    ...kindView(row),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
