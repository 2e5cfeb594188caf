import { z } from 'zod';
import { exampleEnvelope } from './examples.js';
import type { RegisteredEvent } from './registry.js';
import { dlqTopicFor } from './topics.js';

/**
 * Draft-07, not zod's default 2020-12: AsyncAPI's schema format is a draft-07 superset, so the
 * same schema serves both documents, and draft-07 is what most consumer tooling validates.
 */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export function schemaFileName(entry: RegisteredEvent): string {
  return `${entry.eventType}.v${entry.eventVersion}.json`;
}

/** A URN, not a URL: the platform has no public host, and `$id` only has to be unique. */
export function schemaIdFor(entry: RegisteredEvent): string {
  return `urn:obs:events:${entry.eventType}:v${entry.eventVersion}`;
}

export function describeEvent(entry: RegisteredEvent): string {
  return [
    entry.description,
    `Visibility: ${entry.visibility}${entry.visibility === 'internal' ? ' (may change without notice; not for downstream consumers)' : ''}.`,
    `Topic: ${entry.topic} (dead letters: ${dlqTopicFor(entry.topic)}); record key: ${entry.streamKey.description}; producer: ${entry.producer}.`,
  ].join(' ');
}

/** JSON Schema of the whole envelope carrying this event's payload, without `$schema`. */
export function envelopeJsonSchema(entry: RegisteredEvent): JsonSchema {
  const { $schema: _dialect, ...body } = z.toJSONSchema(entry.envelopeSchema, {
    target: 'draft-07',
    io: 'output',
  });
  return body;
}

/**
 * The standalone schema file of one event. It describes the envelope, not the bare payload,
 * because the envelope is what a consumer actually reads off the topic.
 */
export function eventJsonSchemaDocument(entry: RegisteredEvent): JsonSchema {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: schemaIdFor(entry),
    title: `${entry.eventType} v${entry.eventVersion} envelope`,
    description: describeEvent(entry),
    ...envelopeJsonSchema(entry),
    examples: [exampleEnvelope(entry)],
  };
}
