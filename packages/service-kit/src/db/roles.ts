// Least-privilege PostgreSQL roles, one per service (issue 26 item 6): `pnpm db:roles` prints the
// idempotent bootstrap SQL, `pnpm db:roles --execute` runs it as the server admin (DATABASE_URL).
// The same code is `dist/db-roles.mjs` in every service image (roles-main.ts), which the Azure
// deployment's bootstrap job runs with `--schema <schema>` for each service.
//
// For each service schema `<schema>` (ServiceDefinition.schema, listed in tools/services.ts):
// - a login role `<schema>_svc` (no superuser, no CREATEDB/CREATEROLE), password from the
//   environment variable `DB_ROLE_PASSWORD_<SCHEMA>` (set on every run: this is how it is rotated);
//   without that variable a new role gets a generated password, printed once (on stderr), and an
//   existing role keeps the password it has;
// - the schema, owned by that role (an existing schema and everything in it, created by earlier
//   versions that connected as the admin, is handed over), with no privilege for PUBLIC;
// - `search_path` set to the schema alone.
// Once per database: `REVOKE ALL ON SCHEMA public FROM PUBLIC` (no role creates or reads there).
// A service role can use only its own schema: other services' schemas are owned by other roles
// and grant nothing to PUBLIC. The kit's `CREATE SCHEMA IF NOT EXISTS` at start does nothing for
// an existing schema, and the migrations then run as the owner.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from './data-source.js';

export interface ServiceRole {
  readonly schema: string;
  /** The password to set; undefined: keep an existing role's, generate one for a new role. */
  readonly password?: string;
}

export interface RoleBootstrap {
  readonly sql: string;
  /** Passwords generated for roles that may not exist yet (schema → password). */
  readonly generated: ReadonlyMap<string, string>;
}

export const roleName = (schema: string): string => `${schema}_svc`;
export const passwordEnvName = (schema: string): string =>
  `DB_ROLE_PASSWORD_${schema.toUpperCase()}`;

const BODY_TAG = '$bootstrap$';

/** A string literal under standard_conforming_strings (on by default since PostgreSQL 9.1). */
function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

function roleSql(schema: string, password: string | undefined, generated: string): string {
  const role = quoteIdent(roleName(schema));
  const nameLiteral = quoteLiteral(roleName(schema));
  const passwordOnCreate = quoteLiteral(password ?? generated);
  const rotate =
    password === undefined
      ? ''
      : `\n    ALTER ROLE ${role} LOGIN PASSWORD ${quoteLiteral(password)};`;
  // Set on creation only: since PostgreSQL 16 ALTER ROLE … NOSUPERUSER/NOREPLICATION/NOBYPASSRLS
  // needs a superuser, which Azure's admin is not.
  const attributes = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  for (const secret of [password, generated]) {
    if (secret?.includes(BODY_TAG)) throw new Error(`a password cannot contain ${BODY_TAG}`);
  }
  return `DO ${BODY_TAG}
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${nameLiteral}) THEN
    CREATE ROLE ${role} LOGIN PASSWORD ${passwordOnCreate} ${attributes};
  ELSE
    ALTER ROLE ${role} LOGIN NOCREATEDB NOCREATEROLE;${rotate}
  END IF;
END
${BODY_TAG};`;
}

/** Hands an existing schema's objects (created when the apps connected as the admin) to the role. */
function handOverSql(schema: string): string {
  const role = quoteIdent(roleName(schema));
  const schemaLiteral = quoteLiteral(schema);
  const nameLiteral = quoteLiteral(roleName(schema));
  return `DO ${BODY_TAG}
DECLARE
  object record;
BEGIN
  FOR object IN
    SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ${schemaLiteral} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND pg_get_userbyid(c.relowner) <> ${nameLiteral}
  LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO ${role}',
      CASE object.kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      ${schemaLiteral}, object.name);
  END LOOP;
  FOR object IN
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ${schemaLiteral} AND c.relkind = 'S'
       AND pg_get_userbyid(c.relowner) <> ${nameLiteral}
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO ${role}', ${schemaLiteral}, object.name);
  END LOOP;
  FOR object IN
    SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = ${schemaLiteral} AND t.typtype IN ('e', 'd', 'r', 'm')
       AND pg_get_userbyid(t.typowner) <> ${nameLiteral}
  LOOP
    EXECUTE format('ALTER TYPE %I.%I OWNER TO ${role}', ${schemaLiteral}, object.name);
  END LOOP;
  FOR object IN
    SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = ${schemaLiteral} AND pg_get_userbyid(p.proowner) <> ${nameLiteral}
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO ${role}', object.name);
  END LOOP;
END
${BODY_TAG};`;
}

/**
 * The bootstrap SQL for these services, idempotent: run it on every deployment. `database` is the
 * database the services use (its CONNECT is granted to each role).
 */
export function roleBootstrap(services: readonly ServiceRole[], database: string): RoleBootstrap {
  const generated = new Map<string, string>();
  const schemas = new Set<string>();
  const statements = ['REVOKE ALL ON SCHEMA public FROM PUBLIC;'];
  for (const { schema, password } of services) {
    if (schemas.has(schema)) throw new Error(`schema ${schema} is listed twice`);
    schemas.add(schema);
    const quotedSchema = quoteIdent(schema);
    const role = quoteIdent(roleName(schema));
    const fresh = generatePassword();
    if (password === undefined) generated.set(schema, fresh);
    else if (password.length < 16)
      throw new Error(`${passwordEnvName(schema)}: at least 16 characters`);
    statements.push(
      `-- ${schema}`,
      roleSql(schema, password, fresh),
      // A non-superuser admin (Azure's) must be able to act as the role to hand it the schema
      // (PostgreSQL 16+ gives the creator of a role only its ADMIN option).
      `GRANT ${role} TO CURRENT_USER;`,
      `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${role};`,
      `CREATE SCHEMA IF NOT EXISTS ${quotedSchema} AUTHORIZATION ${role};`,
      `ALTER SCHEMA ${quotedSchema} OWNER TO ${role};`,
      handOverSql(schema),
      `REVOKE ALL ON SCHEMA ${quotedSchema} FROM PUBLIC;`,
      `ALTER ROLE ${role} SET search_path = ${quotedSchema};`,
    );
  }
  return { sql: `${statements.join('\n')}\n`, generated };
}

/** Runs the bootstrap as the admin of `adminUrl`, in one transaction. */
export async function applyRoleBootstrap(
  adminUrl: string,
  services: readonly ServiceRole[],
): Promise<RoleBootstrap> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const {
      rows: [row],
    } = await client.query<{ db: string }>('SELECT current_database() AS db');
    const bootstrap = roleBootstrap(services, row?.db ?? 'postgres');
    const existing = await client.query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)',
      [services.map((service) => roleName(service.schema))],
    );
    const had = new Set(existing.rows.map((r) => r.rolname));
    await client.query('BEGIN');
    try {
      await client.query(bootstrap.sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    const generated = new Map(
      [...bootstrap.generated].filter(([schema]) => !had.has(roleName(schema))),
    );
    return { sql: bootstrap.sql, generated };
  } finally {
    await client.end();
  }
}

/** The services' roles, with passwords from `DB_ROLE_PASSWORD_<SCHEMA>` where set. */
export function servicesFromEnv(
  schemas: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ServiceRole[] {
  return schemas.map((schema) => {
    const password = env[passwordEnvName(schema)];
    return password ? { schema, password } : { schema };
  });
}

/**
 * The CLI: prints the SQL, or with `--execute` runs it as the admin of DATABASE_URL. `--schema <s>`
 * (repeatable) names the schemas; without it, `defaultSchemas`.
 */
export async function runRolesCli(
  argv: readonly string[],
  defaultSchemas: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const given = argv.flatMap((arg, i) => (arg === '--schema' ? [argv[i + 1] ?? ''] : []));
  const schemas = given.length > 0 ? given : defaultSchemas;
  if (schemas.length === 0) throw new Error('no schema: pass --schema <schema> for each service');
  const services = servicesFromEnv(schemas, env);
  if (!argv.includes('--execute')) {
    // The database the services use: DATABASE_URL's, else the Bicep template's (`obs`).
    const fromUrl = env.DATABASE_URL
      ? decodeURIComponent(new URL(env.DATABASE_URL).pathname.slice(1))
      : '';
    const database = fromUrl || 'obs';
    const { sql, generated } = roleBootstrap(services, database);
    process.stdout.write(sql);
    for (const schema of generated.keys()) {
      console.error(
        `-- ${roleName(schema)}: no ${passwordEnvName(schema)}; the SQL above carries a generated password, used only if the role is new`,
      );
    }
    return;
  }
  const adminUrl = env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL (the server admin) is required with --execute');
  const { generated } = await applyRoleBootstrap(adminUrl, services);
  for (const service of services) console.error(`role ${roleName(service.schema)}: ready`);
  for (const [schema, password] of generated) {
    console.error(
      `generated password for ${roleName(schema)} (shown once; store it, or set ${passwordEnvName(schema)}): ${password}`,
    );
  }
}
