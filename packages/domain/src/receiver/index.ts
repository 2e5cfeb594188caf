export type {
  ReceiverType,
  ReceiverSnapshot,
  ReceiverConfigInput,
  CreateReceiverInput,
  ReplaceReceiverInput,
} from './receiver.aggregate.js';
export {
  RECEIVER_TYPES,
  RECEIVER_NAME_MAX_LENGTH,
  RECEIVER_URL_MAX_LENGTH,
  WEBHOOK_SECRET_PREFIX,
  Receiver,
  receiverUrl,
  webhookSecret,
} from './receiver.aggregate.js';
