import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  ASYNCAPI_PATH,
  REPO_ROOT,
  SCHEMAS_DIR,
  findStaleArtefacts,
  generateArtefacts,
} from './artefacts.js';
import { messageIdFor } from './asyncapi.js';
import { exampleEnvelope } from './examples.js';
import { schemaFileName } from './json-schema.js';
import { registeredEvents } from './registry.js';

describe('generated artefacts', () => {
  it('are committed and up to date (run `pnpm generate` if this fails)', () => {
    expect(findStaleArtefacts()).toEqual({ stale: [], orphaned: [] });
  });

  it('are deterministic', () => {
    expect(generateArtefacts()).toEqual(generateArtefacts());
  });

  it('has one schema file per registered event', () => {
    const paths = generateArtefacts().map((artefact) => artefact.path);
    expect(paths).toEqual([
      ...registeredEvents().map((entry) => `${SCHEMAS_DIR}/${schemaFileName(entry)}`),
      ASYNCAPI_PATH,
    ]);
  });
});

describe('JSON Schema files', () => {
  // z.fromJSONSchema reads the exported schema back, so the file (not the zod source) is tested.
  const schemaOf = (file: string): z.ZodType =>
    z.fromJSONSchema(
      JSON.parse(
        readFileSync(join(REPO_ROOT, SCHEMAS_DIR, file), 'utf8'),
      ) as z.core.JSONSchema.JSONSchema,
    );

  it.each(registeredEvents().map((entry) => [schemaFileName(entry), entry]))(
    '%s accepts its example and refuses what zod refuses',
    (file, entry) => {
      const schema = schemaOf(file);
      const example = JSON.parse(JSON.stringify(exampleEnvelope(entry))) as Record<string, unknown>;
      expect(schema.safeParse(example).success).toBe(true);
      expect(schema.safeParse({ ...example, traceId: '0'.repeat(32) }).success).toBe(false);
      expect(schema.safeParse({ ...example, unknown: 1 }).success).toBe(false);
      expect(schema.safeParse({ ...example, eventType: 'Other' }).success).toBe(false);
      expect(
        schema.safeParse({ ...example, payload: { ...(example.payload as object), unknown: 1 } })
          .success,
      ).toBe(false);
    },
  );
});

describe('docs/asyncapi.yaml', () => {
  const text = readFileSync(join(REPO_ROOT, ASYNCAPI_PATH), 'utf8');

  it('passes @asyncapi/parser validation with no error diagnostics', async () => {
    const { document, diagnostics } = await new Parser().parse(text);
    // Spectral and the parser bundle different @stoplight/types copies: compare the numbers.
    const errors = diagnostics.filter(
      (d) => Number(d.severity) === Number(DiagnosticSeverity.Error),
    );
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document?.version()).toBe('3.0.0');
  });

  it('describes every topic, message and producing operation, marking internal events', async () => {
    const { document } = await new Parser().parse(text);
    if (!document) throw new Error('document did not parse');
    const addresses = document
      .channels()
      .all()
      .map((channel) => channel.address());
    expect(new Set(addresses)).toEqual(new Set(registeredEvents().map((entry) => entry.topic)));
    for (const operation of document.operations().all()) expect(operation.action()).toBe('send');
    // Examples come back exactly as the envelope (times stay strings, not YAML timestamps).
    expect(document.allMessages().all()).toHaveLength(registeredEvents().length);
    for (const message of document.allMessages().all()) {
      const entry = registeredEvents().find((e) => messageIdFor(e) === message.id());
      if (!entry) throw new Error(`unregistered message ${message.id()}`);
      expect(message.examples().all()[0]?.payload()).toEqual(
        JSON.parse(JSON.stringify(exampleEnvelope(entry))),
      );
    }

    const raw = parse(text) as {
      components: { messages: Record<string, { tags: { name: string }[]; examples: unknown[] }> };
    };
    for (const entry of registeredEvents()) {
      const message = raw.components.messages[messageIdFor(entry)];
      expect(message?.tags).toEqual([{ name: entry.visibility }]);
      expect(message?.examples).toHaveLength(1);
    }
  });

  it('names each message key and the event-version header', () => {
    const raw = parse(text) as {
      components: {
        messages: Record<
          string,
          {
            bindings: { kafka: { key: { description: string } } };
            headers: { required: string[]; properties: Record<string, { const?: string }> };
            examples: { headers: Record<string, string> }[];
          }
        >;
      };
    };
    const metric = raw.components.messages.MetricAggregatedV1;
    expect(metric?.bindings.kafka.key.description).toMatch(
      /^the series: tenantId\|projectId\|metricName\|window\|groupKey \(never windowStart\)/,
    );
    expect(raw.components.messages.IncidentOpenedV1?.bindings.kafka.key.description).toMatch(
      /^aggregate\.id/,
    );
    for (const entry of registeredEvents()) {
      const message = raw.components.messages[messageIdFor(entry)];
      expect(message?.headers.required).toContain('event-version');
      expect(message?.headers.properties['event-version']?.const).toBe(String(entry.eventVersion));
      expect(message?.examples[0]?.headers['event-version']).toBe(String(entry.eventVersion));
    }
  });
});
