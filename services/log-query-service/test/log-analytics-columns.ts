import type { StubColumn } from '@obs/service-kit/testing';

/** The columns the adapter's KQL projects, in its order. */
export const APP_TRACES_COLUMNS: readonly StubColumn[] = [
  { name: 'ItemId', type: 'string' },
  { name: 'TimeMs', type: 'long' },
  { name: 'TimeText', type: 'string' },
  { name: 'SeverityLevel', type: 'int' },
  { name: 'Message', type: 'string' },
  { name: 'OperationId', type: 'string' },
  { name: 'ParentId', type: 'string' },
  { name: 'Properties', type: 'dynamic' },
];
