import type { StubColumn } from '@obs/service-kit/testing';

/** The columns the span adapter's KQL projects, in its order. */
export const SPAN_COLUMNS: readonly StubColumn[] = [
  { name: 'Id', type: 'string' },
  { name: 'ParentId', type: 'string' },
  { name: 'OperationId', type: 'string' },
  { name: 'Name', type: 'string' },
  { name: 'Kind', type: 'long' },
  { name: 'StartMs', type: 'long' },
  { name: 'DurationMs', type: 'real' },
  { name: 'Success', type: 'bool' },
  { name: 'ResultCode', type: 'string' },
  { name: 'AppRoleName', type: 'string' },
  { name: 'Properties', type: 'dynamic' },
];
