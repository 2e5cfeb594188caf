// `pnpm db:roles [--execute] [--schema <schema>…]`: the least-privilege role per service schema
// (packages/service-kit/src/db/roles.ts describes the SQL and the password variables), for every
// service of tools/services.ts unless --schema names some.
import { runRolesCli } from '@obs/service-kit';
import { SERVICES } from './services.js';

runRolesCli(
  process.argv.slice(2),
  SERVICES.map((service) => service.schema),
).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
