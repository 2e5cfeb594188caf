import type { LogRecordReference, LogLevel, TelemetryDimensions } from '@obs/domain';

/** A reference as the API shows it. */
export interface LogReferenceView {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly moduleId: string;
  readonly traceId: string;
  readonly executionId: string;
  readonly level: LogLevel;
  readonly timestamp: string;
  readonly logAnalyticsRef: { readonly workspaceId: string; readonly queryHandle: string };
  readonly recordCount: number;
  readonly dimensions: TelemetryDimensions;
}

export function viewOfReference(
  reference: LogRecordReference,
  recordCount: number,
): LogReferenceView {
  return {
    id: reference.referenceId,
    tenantId: reference.tenantId,
    projectId: reference.projectId,
    moduleId: reference.moduleId,
    traceId: reference.traceId,
    executionId: reference.executionId,
    level: reference.level,
    timestamp: reference.timestamp,
    logAnalyticsRef: { ...reference.logAnalyticsRef },
    recordCount,
    dimensions: { ...reference.dimensions },
  };
}
