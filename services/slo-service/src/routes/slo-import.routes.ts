import type { SloDefinition } from '@obs/domain';
import { DomainError } from '@obs/domain';
import { callOf, problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { IMPORT_CODES, parseOpenSlo } from '../openslo-import.js';
import type { SloStore } from '../slo-definition.repository.js';
import { DEFINITION_CODES, SLOS_URL, newSlo, savedDto } from './slo.routes.js';
import { importBody, importResultSchema } from './slo.schemas.js';

export const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * `POST /v1/slos:import`: OpenSLO v1 YAML in, SLOs out, all or nothing. Registered in its own
 * plugin scope, whose only body parser is YAML-as-text: a JSON body answers 415 here while the
 * rest of the API stays JSON-only.
 */
export function sloImportRoutes(app: FastifyInstance, ctx: ServiceContext, store: SloStore): void {
  void app.register((scoped, _options, done) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_req, body, next) => {
      next(null, body);
    });
    // `::` is Fastify's literal colon (AIP-136 custom method), not a path parameter.
    const url = `${SLOS_URL}::import`;
    scoped.withTypeProvider<ZodTypeProvider>().post(
      url,
      {
        config: { scope: 'write' },
        schema: {
          tags: ['slos'],
          summary: 'Import OpenSLO YAML',
          description: `Creates the SLOs of an OpenSLO v1 file (Content-Type application/yaml; several documents separated by ---): kind SLO with an inline indicator (ratioMetric good/total or thresholdMetric with objective op lte), one objective, one rolling timeWindow, budgetingMethod Occurrences; spec.service is the projectId. All or nothing: the first unsupported field answers 422 naming the document and the field (openslo.unsupported_field), an invalid YAML 400, a name clash 409, and then no SLO is stored. Needs the write scope. 201 with the SLOs created.`,
          consumes: YAML_CONTENT_TYPES,
          body: importBody,
          response: {
            201: importResultSchema,
            ...problems([400, 409, 413, 415, 422], [...IMPORT_CODES, ...DEFINITION_CODES]),
          },
        },
      },
      async (request, reply) => {
        const call = callOf(request, ctx);
        const slos: SloDefinition[] = parseOpenSlo(request.body).map(({ index, fields }) => {
          try {
            return newSlo(fields, call);
          } catch (error) {
            if (error instanceof DomainError) {
              throw new DomainError(
                error.code,
                `document ${index}: ${error.message}`,
                error.details,
              );
            }
            throw error;
          }
        });
        const saved = await ctx.uow.run({ context: request.otelContext }, async (tx) => {
          const versions: number[] = [];
          for (const slo of slos) versions.push(await store.save(tx, slo, 0));
          return slos.map((aggregate, i) => ({
            id: aggregate.id,
            aggregate,
            version: versions[i] ?? 1,
          }));
        });
        return reply.code(201).send({ items: saved.map(savedDto) });
      },
    );
    done();
  });
}
