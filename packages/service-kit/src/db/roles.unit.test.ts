import { describe, expect, it } from 'vitest';
import { passwordEnvName, roleBootstrap, roleName, servicesFromEnv } from './roles.js';

describe('roleBootstrap', () => {
  it('names one role per schema and gives it the schema, its search_path and nothing in public', () => {
    const { sql, generated } = roleBootstrap(
      [{ schema: 'trace', password: 'trace-password-0123456789' }, { schema: 'log_query' }],
      'obs',
    );
    expect(sql.startsWith('REVOKE ALL ON SCHEMA public FROM PUBLIC;\n')).toBe(true);
    for (const schema of ['trace', 'log_query']) {
      const role = `"${schema}_svc"`;
      expect(sql).toContain(`CREATE SCHEMA IF NOT EXISTS "${schema}" AUTHORIZATION ${role};`);
      expect(sql).toContain(`ALTER SCHEMA "${schema}" OWNER TO ${role};`);
      expect(sql).toContain(`REVOKE ALL ON SCHEMA "${schema}" FROM PUBLIC;`);
      expect(sql).toContain(`ALTER ROLE ${role} SET search_path = "${schema}";`);
      expect(sql).toContain(`GRANT CONNECT ON DATABASE "obs" TO ${role};`);
    }
    // A given password is set on every run (rotation); none given: generated, used on creation only.
    expect(sql).toContain(`ALTER ROLE "trace_svc" LOGIN PASSWORD 'trace-password-0123456789';`);
    expect([...generated.keys()]).toEqual(['log_query']);
    expect(sql).not.toMatch(/ALTER ROLE "log_query_svc" LOGIN PASSWORD/);
    expect(sql).toContain(`PASSWORD '${generated.get('log_query')}' NOSUPERUSER`);
  });

  it('quotes passwords as literals and refuses unsafe identifiers and bodies', () => {
    const { sql } = roleBootstrap([{ schema: 'slo', password: "it's-a-password-0123" }], 'obs');
    expect(sql).toContain(`PASSWORD 'it''s-a-password-0123'`);
    expect(() => roleBootstrap([{ schema: 'Slo"; DROP' }], 'obs')).toThrow(/unsafe SQL identifier/);
    expect(() => roleBootstrap([{ schema: 'slo' }], 'o"bs')).toThrow(/unsafe SQL identifier/);
    expect(() =>
      roleBootstrap([{ schema: 'slo', password: 'x$bootstrap$-0123456789' }], 'obs'),
    ).toThrow(/cannot contain/);
    expect(() => roleBootstrap([{ schema: 'slo', password: 'short' }], 'obs')).toThrow(
      /DB_ROLE_PASSWORD_SLO: at least 16/,
    );
    expect(() => roleBootstrap([{ schema: 'slo' }, { schema: 'slo' }], 'obs')).toThrow(/twice/);
  });

  it('reads each password from DB_ROLE_PASSWORD_<SCHEMA>', () => {
    expect(roleName('alert_rule')).toBe('alert_rule_svc');
    expect(passwordEnvName('alert_rule')).toBe('DB_ROLE_PASSWORD_ALERT_RULE');
    expect(
      servicesFromEnv(['alert_rule', 'cost'], { DB_ROLE_PASSWORD_ALERT_RULE: 'p'.repeat(16) }),
    ).toEqual([{ schema: 'alert_rule', password: 'p'.repeat(16) }, { schema: 'cost' }]);
  });
});
