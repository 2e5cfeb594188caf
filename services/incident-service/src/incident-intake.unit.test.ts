import { describe, expect, it } from 'vitest';
import { dimensionsOfGroup } from './incident-intake.js';

const ALL = {
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-1',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.0.0',
  environment: 'production',
  region: 'westeurope',
  origin: 'factory',
};

describe('dimensionsOfGroup', () => {
  it('is null for a partial group (the usual case: grouped by a few labels)', () => {
    expect(dimensionsOfGroup({ service: 'api' }, 'acme')).toBeNull();
    expect(dimensionsOfGroup({}, 'acme')).toBeNull();
  });

  it("takes all eleven, the tenant defaulting to the event's", () => {
    expect(dimensionsOfGroup(ALL, 'acme')).toEqual({ tenantId: 'acme', ...ALL });
  });

  it('reads OTLP attribute keys as well as dimension names', () => {
    const { service, region, ...rest } = ALL;
    const group = { ...rest, 'service.name': service, 'cloud.region': region };
    expect(dimensionsOfGroup(group, 'acme')).toEqual({ tenantId: 'acme', ...ALL });
  });

  it("keeps a group's own tenant so the domain can refuse a mismatch", () => {
    expect(dimensionsOfGroup({ ...ALL, tenantId: 'other' }, 'acme')?.tenantId).toBe('other');
  });
});
