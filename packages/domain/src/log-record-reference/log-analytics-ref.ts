import { ensure } from '../kernel/domain-error.js';

/**
 * Where the log body lives: a Log Analytics workspace plus an opaque handle the log store adapter
 * turns back into a query. The platform keeps this pointer, never the body.
 */
export interface LogAnalyticsRef {
  readonly workspaceId: string;
  readonly queryHandle: string;
}

// The local adapter stores logs in Postgres, so workspace ids are not always Azure GUIDs.
const WORKSPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_HANDLE_LENGTH = 4096;

export function logAnalyticsRef(input: {
  readonly workspaceId: string;
  readonly queryHandle: string;
}): LogAnalyticsRef {
  ensure(
    WORKSPACE_PATTERN.test(input.workspaceId),
    'log_reference.invalid_workspace',
    'workspaceId must be 1-128 letters, digits, dot, underscore, colon or dash',
    { workspaceId: input.workspaceId },
  );
  ensure(
    input.queryHandle.trim().length > 0 && input.queryHandle.length <= MAX_HANDLE_LENGTH,
    'log_reference.invalid_query_handle',
    `queryHandle is required (1-${MAX_HANDLE_LENGTH} characters)`,
  );
  return Object.freeze({ workspaceId: input.workspaceId, queryHandle: input.queryHandle });
}
