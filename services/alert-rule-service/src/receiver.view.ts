import type { ReceiverSnapshot } from '@obs/domain';
import type { ReceiverRow } from './receiver.repository.js';

/** A receiver as the API shows it: everything but the secret, which is write-only. */
export interface ReceiverView {
  readonly id: string;
  readonly name: string;
  readonly type: 'webhook';
  readonly url: string;
  readonly sendResolved: boolean;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function receiverView(s: ReceiverSnapshot, version: number): ReceiverView {
  return {
    id: s.receiverId,
    name: s.name,
    type: s.type,
    url: s.url,
    sendResolved: s.sendResolved,
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function receiverViewOfRow(row: ReceiverRow): ReceiverView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    url: row.url,
    sendResolved: row.sendResolved,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
