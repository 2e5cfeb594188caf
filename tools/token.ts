/**
 * `pnpm run token --tenant T --scope "read write" [--sub NAME] [--ttl SECONDS]` prints an HS256 token
 * signed with JWT_SECRET (or the development secret `pnpm start` uses).
 */
import { parseArgs } from 'node:util';
import { mintToken, SCOPES, type Scope } from '@obs/service-kit';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    scope: { type: 'string', default: 'read' },
    sub: { type: 'string', default: 'dev-user' },
    ttl: { type: 'string', default: String(12 * 3600) },
  },
});

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);
const scopes = (values.scope ?? '').split(/\s+/).filter(Boolean);
const unknown = scopes.filter((s) => !isScope(s));
if (!values.tenant || unknown.length > 0 || scopes.length === 0) {
  console.error(
    `usage: pnpm run token --tenant T --scope "read write" (scopes: ${SCOPES.join(' ')})`,
  );
  if (unknown.length > 0) console.error(`unknown scope(s): ${unknown.join(', ')}`);
  process.exit(2);
}
if (!process.env.JWT_SECRET) {
  console.error(
    'signed with the built-in development secret: only services in development mode (pnpm start) accept it',
  );
}
console.log(
  mintToken({
    tenantId: values.tenant,
    scopes: scopes.filter(isScope),
    subject: values.sub,
    expiresInSeconds: Number(values.ttl),
  }),
);
