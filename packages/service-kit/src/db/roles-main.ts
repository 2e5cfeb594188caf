// `node dist/db-roles.mjs --execute --schema <schema>…`: the role bootstrap (roles.ts) as shipped in
// every service image, for the deployment's bootstrap job (infra/bicep/modules/db-roles-job.bicep).
import { runRolesCli } from './roles.js';

runRolesCli(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
