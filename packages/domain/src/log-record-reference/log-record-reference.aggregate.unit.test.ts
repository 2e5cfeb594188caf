import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { logAnalyticsRef } from './log-analytics-ref.js';
import { LOG_LEVELS, logLevel, logLevelAtLeast } from './log-level.js';
import {
  LogRecordReference,
  type CreateLogRecordReferenceInput,
} from './log-record-reference.aggregate.js';

const dimensions = {
  tenantId: 'acme',
  projectId: 'shop',
  moduleId: 'checkout',
  artifactId: 'checkout-api',
  executionId: 'exec-7',
  agentId: 'none',
  service: 'checkout-api',
  serviceVersion: '1.4.0',
  environment: 'prod',
  region: 'westeurope',
  origin: 'factory',
};

const valid: CreateLogRecordReferenceInput = {
  referenceId: '6f1c2d3e-0000-4000-8000-000000000001',
  tenantId: 'acme',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  level: 'Warning',
  timestamp: '2025-01-01T12:00:00.000Z',
  logAnalyticsRef: { workspaceId: 'b7a1c7a4-93f1-4f5e-9a2e-3c1c2a5f0e11', queryHandle: 'q:abc' },
  dimensions,
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('LogRecordReference', () => {
  it('creates a tenant-scoped reference with the spec fields and no events', () => {
    const ref = LogRecordReference.create(valid);
    expect({
      referenceId: ref.referenceId,
      tenantId: ref.tenantId,
      projectId: ref.projectId,
      moduleId: ref.moduleId,
      executionId: ref.executionId,
      traceId: ref.traceId,
      level: ref.level,
      timestamp: ref.timestamp,
      logAnalyticsRef: ref.logAnalyticsRef,
      origin: ref.dimensions.origin,
    }).toEqual({
      referenceId: valid.referenceId,
      tenantId: 'acme',
      projectId: 'shop',
      moduleId: 'checkout',
      executionId: 'exec-7',
      traceId: valid.traceId,
      level: 'Warning',
      timestamp: valid.timestamp,
      logAnalyticsRef: valid.logAnalyticsRef,
      origin: 'factory',
    });
    expect(ref.pullEvents()).toEqual([]);
  });

  it('refuses a missing traceId: log_reference.trace_id_required', () => {
    expect(codeOf(() => LogRecordReference.create({ ...valid, traceId: null }))).toBe(
      'log_reference.trace_id_required',
    );
    expect(codeOf(() => LogRecordReference.create({ ...valid, traceId: undefined }))).toBe(
      'log_reference.trace_id_required',
    );
    expect(codeOf(() => LogRecordReference.create({ ...valid, traceId: '' }))).toBe(
      'log_reference.trace_id_required',
    );
  });

  it('refuses a malformed traceId: trace.invalid_trace_id', () => {
    expect(codeOf(() => LogRecordReference.create({ ...valid, traceId: 'not-hex' }))).toBe(
      'trace.invalid_trace_id',
    );
  });

  it('refuses a reference without a valid tenant: tenant.invalid_id', () => {
    expect(codeOf(() => LogRecordReference.create({ ...valid, tenantId: '' }))).toBe(
      'tenant.invalid_id',
    );
  });

  it('refuses dimensions of another tenant: log_reference.tenant_mismatch', () => {
    const other = { ...valid, dimensions: { ...dimensions, tenantId: 'globex' } };
    expect(codeOf(() => LogRecordReference.create(other))).toBe('log_reference.tenant_mismatch');
  });

  it('refuses bad fields with their codes', () => {
    expect(codeOf(() => LogRecordReference.create({ ...valid, referenceId: ' ' }))).toBe(
      'log_reference.invalid_reference_id',
    );
    expect(codeOf(() => LogRecordReference.create({ ...valid, level: 'Info' }))).toBe(
      'log_reference.invalid_level',
    );
    expect(codeOf(() => LogRecordReference.create({ ...valid, timestamp: 'soon' }))).toBe(
      'time.invalid_instant',
    );
    expect(
      codeOf(() =>
        LogRecordReference.create({ ...valid, dimensions: { ...dimensions, service: '' } }),
      ),
    ).toBe('telemetry.missing_dimensions');
  });

  it('is immutable: no setter exists and returned values are frozen copies', () => {
    const ref = LogRecordReference.create(valid);
    expect(Reflect.set(ref, 'level', 'Fatal')).toBe(false);
    expect(Reflect.set(ref, 'traceId', '0af7651916cd43dd8448eb211c80319c')).toBe(false);
    expect(Object.isFrozen(ref.logAnalyticsRef)).toBe(true);
    expect(Object.isFrozen(ref.dimensions)).toBe(true);
    const snapshot = ref.toSnapshot();
    snapshot.level = 'Fatal';
    snapshot.logAnalyticsRef.queryHandle = 'changed';
    expect(ref.level).toBe('Warning');
    expect(ref.logAnalyticsRef.queryHandle).toBe('q:abc');
    // Every own member besides the constructor and toSnapshot is a getter without a setter.
    const members = Object.entries(Object.getOwnPropertyDescriptors(LogRecordReference.prototype))
      .filter(([name]) => name !== 'constructor' && name !== 'toSnapshot')
      .map(([name, d]) => ({ name, getter: d.get !== undefined, setter: d.set !== undefined }));
    expect(members.length).toBeGreaterThan(0);
    for (const member of members) {
      expect(member, member.name).toEqual({ name: member.name, getter: true, setter: false });
    }
  });

  it('round-trips through its snapshot without events', () => {
    const snapshot = LogRecordReference.create(valid).toSnapshot();
    const restored = LogRecordReference.rehydrate(snapshot);
    expect(restored.toSnapshot()).toEqual(snapshot);
    expect(restored.pullEvents()).toEqual([]);
  });
});

describe('LogLevel and LogAnalyticsRef', () => {
  it('orders Serilog levels for minimum-level filters', () => {
    expect(LOG_LEVELS.map((l) => logLevel(l))).toEqual([...LOG_LEVELS]);
    expect(logLevelAtLeast('Error', 'Warning')).toBe(true);
    expect(logLevelAtLeast('Debug', 'Information')).toBe(false);
  });

  it('refuses empty workspaces and handles with their codes', () => {
    expect(codeOf(() => logAnalyticsRef({ workspaceId: '', queryHandle: 'q' }))).toBe(
      'log_reference.invalid_workspace',
    );
    expect(codeOf(() => logAnalyticsRef({ workspaceId: 'local', queryHandle: '  ' }))).toBe(
      'log_reference.invalid_query_handle',
    );
    expect(logAnalyticsRef({ workspaceId: 'local', queryHandle: 'row:42' })).toEqual({
      workspaceId: 'local',
      queryHandle: 'row:42',
    });
  });
});
