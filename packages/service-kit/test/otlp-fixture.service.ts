import type { OtlpTracesRequest } from '../src/otlp/otlp-types.js';
import type { ServiceDefinition } from '../src/build-service.js';
import {
  otlpIngestRoute,
  OtlpBackpressureError,
  type OtlpIngestResult,
} from '../src/otlp/otlp-route.js';

/**
 * A service with only the kit's OTLP traces route, for the route's own tests: what a real service
 * does with the request (store it) is not under test here, so ingest keeps what it received and
 * answers what the test asks it to.
 */
export interface OtlpFixture {
  readonly received: OtlpTracesRequest[];
  /** What the next ingest answers; `'full'` makes it throw OtlpBackpressureError(7). */
  next: OtlpIngestResult | 'full';
}

export function otlpFixtureService(fixture: OtlpFixture): ServiceDefinition {
  return {
    name: 'otlp-fixture-service',
    schema: 'otlp_fixture',
    defaultPort: 0,
    openapi: { title: 'otlp-fixture-service', description: 'OTLP route fixture', version: '1.0.0' },
    entities: [],
    migrations: [],
    topics: [],
    compose: (ctx) => ({
      routes: (app) =>
        otlpIngestRoute(app, ctx, {
          url: '/v1/traces',
          signal: 'traces',
          tags: ['ingest'],
          summary: 'Ingest spans',
          description: 'OTLP/HTTP traces.',
          ingest: (request) => {
            fixture.received.push(request);
            if (fixture.next === 'full') return Promise.reject(new OtlpBackpressureError(7));
            return Promise.resolve(fixture.next);
          },
        }),
    }),
  };
}
