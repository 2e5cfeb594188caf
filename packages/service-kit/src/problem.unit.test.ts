import { DomainError } from '@obs/domain';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toProblem } from './error-handler.js';
import { HttpProblem, problem, PROBLEM_TYPE } from './problem.js';

describe('problem types: about:blank, as RFC 9457 allows, with the status phrase as title', () => {
  it('every problem is about:blank, whatever its code', () => {
    expect(PROBLEM_TYPE).toBe('about:blank');
    expect(problem(404, 'not_found', 'Not Found', 'x', '/v1/x').type).toBe('about:blank');
    expect(problem(422, 'incident.title_required', 'Whatever', 'x', '/v1/x')).toMatchObject({
      type: 'about:blank',
      title: 'Unprocessable Content',
      code: 'incident.title_required',
    });
  });

  it.each([
    [
      new DomainError('slo.target_out_of_range', 'target must be below 100'),
      422,
      'Unprocessable Content',
    ],
    [
      new HttpProblem(413, 'attachment_too_large', 'Payload Too Large', 'too big'),
      413,
      'Content Too Large',
    ],
    [
      new HttpProblem(503, 'blob_unavailable', 'Service Unavailable', 'later'),
      503,
      'Service Unavailable',
    ],
    [new Error('boom'), 500, 'Internal Server Error'],
  ])('%s → %i with the RFC 9110 phrase as title', (error, status, title) => {
    expect(toProblem(error, '/v1/things')).toMatchObject({ type: 'about:blank', status, title });
  });

  it('a status without a listed phrase keeps the title it was given', () => {
    expect(problem(499, 'client_closed', 'Client Closed Request', 'x', '/').title).toBe(
      'Client Closed Request',
    );
  });

  it('no source file builds a problem type URI of its own', () => {
    const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
    const dirs = [
      join(root, 'packages', 'service-kit', 'src'),
      ...readdirSync(join(root, 'services')).map((s) => join(root, 'services', s, 'src')),
    ];
    const offenders = dirs.flatMap((dir) =>
      (readdirSync(dir, { recursive: true }) as string[])
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .filter((file) =>
          /https?:\/\/[^'"`\s]*\/problems?\//.test(readFileSync(join(dir, file), 'utf8')),
        )
        .map((file) => join(dir, file)),
    );
    expect(offenders).toEqual([]);
  });
});
