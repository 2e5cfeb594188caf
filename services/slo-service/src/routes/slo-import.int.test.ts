import type { RunningService } from '@obs/service-kit';
import { expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSlo,
  ratioBody,
  reader,
  startSloService,
  uniqueTenant,
  writer,
  type SloBody,
} from '../../test/slo-test-kit.js';
import { OPENSLO_EXAMPLE } from './slo.schemas.js';

let service: RunningService;
beforeAll(async () => {
  service = await startSloService({ runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

const importYaml = (tenant: string, yaml: string, contentType = 'application/yaml') =>
  service.app.inject({
    method: 'POST',
    url: '/v1/slos:import',
    headers: { ...writer(tenant), 'content-type': contentType },
    payload: yaml,
  });

const named = (name: string, extra = '') =>
  OPENSLO_EXAMPLE.replace('displayName: Payments availability', `displayName: ${name}${extra}`);

async function listOf(tenant: string): Promise<SloBody[]> {
  const res = await service.app.inject({ method: 'GET', url: '/v1/slos', headers: reader(tenant) });
  return res.json<{ items: SloBody[] }>().items;
}

describe('POST /v1/slos:import', () => {
  it('creates every SLO of a multi-document file (201, document order)', async () => {
    const tenant = uniqueTenant('slo-import');
    const res = await importYaml(tenant, `${named('One')}---\n${named('Two')}`);
    expect(res.statusCode, res.body).toBe(201);
    const { items } = res.json<{ items: SloBody[] }>();
    expect(items.map((s) => [s.name, s.target, s.windowMinutes, s.projectId, s.version])).toEqual([
      ['One', 99.9, 43_200, 'checkout', 1],
      ['Two', 99.9, 43_200, 'checkout', 1],
    ]);
    expect(items[0]!.sli).toEqual({
      kind: 'ratio',
      goodMetric: 'checkout.requests.good',
      totalMetric: 'checkout.requests',
      filter: {},
    });
    expect((await listOf(tenant)).map((s) => s.name).sort()).toEqual(['One', 'Two']);
  });

  it('accepts text/yaml too', async () => {
    const res = await importYaml(uniqueTenant('slo-import-text'), named('Text'), 'text/yaml');
    expect(res.statusCode, res.body).toBe(201);
  });

  it('stores nothing when a later document has an unsupported field (422 naming it)', async () => {
    const tenant = uniqueTenant('slo-import-422');
    const bad = named('Two').replace('Occurrences', 'Timeslices');
    const res = await importYaml(tenant, `${named('One')}---\n${bad}`);
    const problem = expectProblem(res, 422, 'openslo.unsupported_field');
    expect(problem.detail).toContain('document 2: spec.budgetingMethod');
    expect(await listOf(tenant)).toEqual([]);
  });

  it('stores nothing when the domain refuses a document (422 with its code)', async () => {
    const tenant = uniqueTenant('slo-import-domain');
    const bad = named('Two').replace('target: 0.999', 'target: 0.123456789');
    const res = await importYaml(tenant, `${named('One')}---\n${bad}`);
    const problem = expectProblem(res, 422, 'slo.invalid_target');
    expect(problem.detail).toMatch(/^document 2: /);
    expect(await listOf(tenant)).toEqual([]);
  });

  it('stores nothing when one name clashes (409), within the file or with an existing SLO', async () => {
    const tenant = uniqueTenant('slo-import-409');
    expectProblem(
      await importYaml(tenant, `${named('Same')}---\n${named('Same')}`),
      409,
      'unique_violation',
    );
    expect(await listOf(tenant)).toEqual([]);
    await createSlo(service, tenant, ratioBody({ name: 'Taken', projectId: 'checkout' }));
    expectProblem(
      await importYaml(tenant, `${named('Fresh')}---\n${named('Taken')}`),
      409,
      'unique_violation',
    );
    expect((await listOf(tenant)).map((s) => s.name)).toEqual(['Taken']);
  });

  it('answers 400 for invalid YAML and 415 for a JSON body', async () => {
    const tenant = uniqueTenant('slo-import-400');
    expectProblem(await importYaml(tenant, 'a: [1, 2\nb: }'), 400, 'openslo.invalid_yaml');
    const json = await service.app.inject({
      method: 'POST',
      url: '/v1/slos:import',
      headers: writer(tenant),
      payload: { apiVersion: 'openslo/v1' },
    });
    expectProblem(json, 415, 'unsupported_media_type');
    expect(await listOf(tenant)).toEqual([]);
  });
});

describe('other methods on /v1/slos:import', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH'] as const)(
    '%s answers 405 with Allow: POST',
    async (method) => {
      const res = await service.app.inject({
        method,
        url: '/v1/slos:import',
        headers: writer(uniqueTenant('slo-import-405')),
      });
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('POST');
    },
  );
});
