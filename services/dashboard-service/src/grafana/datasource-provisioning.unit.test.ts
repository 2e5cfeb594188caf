import { describe, expect, it } from 'vitest';
import { grafanaDatasourceYaml } from './datasource-provisioning.js';
import { GRAFANA_DATASOURCE_UID } from './grafana-export.js';

describe('the Grafana data source provisioning file', () => {
  const yaml = grafanaDatasourceYaml('http://127.0.0.1:4103/prometheus');

  it("points Grafana's Prometheus data source at the platform under the exported uid", () => {
    expect(yaml).toContain(`uid: "${GRAFANA_DATASOURCE_UID}"`);
    expect(yaml).toContain('type: prometheus');
    expect(yaml).toContain('url: "http://127.0.0.1:4103/prometheus"');
    expect(yaml).toContain('httpMethod: POST');
  });

  it("sends the token as the custom Authorization header, from Grafana's environment", () => {
    expect(yaml).toContain('httpHeaderName1: Authorization');
    expect(yaml).toContain('httpHeaderValue1: "Bearer ${OBS_PLATFORM_TOKEN}"');
    expect(yaml).not.toMatch(/eyJ/); // no token in the file
  });

  it('is byte-stable and quotes the URL as a YAML string', () => {
    expect(grafanaDatasourceYaml('http://127.0.0.1:4103/prometheus')).toBe(yaml);
    expect(grafanaDatasourceYaml('https://x.example/a: b#c')).toContain(
      'url: "https://x.example/a: b#c"',
    );
    expect(yaml.endsWith('\n')).toBe(true);
  });
});
