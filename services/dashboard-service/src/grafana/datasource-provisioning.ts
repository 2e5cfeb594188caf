import { GRAFANA_DATASOURCE_UID } from './grafana-export.js';

/**
 * The environment variable of the Grafana server that holds the platform token: Grafana expands
 * `${VAR}` in provisioning files, so the file carries no secret and the operator sets the token
 * where Grafana runs (a token with the `read` scope of the tenant the Grafana organisation shows).
 */
export const GRAFANA_TOKEN_VARIABLE = 'OBS_PLATFORM_TOKEN';

/**
 * Grafana's `$__interval` floor and the base of `$__rate_interval` (4 × it at least). The
 * OpenTelemetry SDKs export every 60 s by default, so a rate over less than four minutes could
 * hold fewer than the two samples `rate()` needs.
 */
export const GRAFANA_SCRAPE_INTERVAL = '60s';

/** A YAML double-quoted scalar: JSON's string syntax is a subset of it. */
const scalar = (value: string): string => JSON.stringify(value);

/**
 * The data source provisioning file (Grafana's `provisioning/datasources/*.yaml`): Grafana's
 * built-in Prometheus data source pointed at the platform's Prometheus HTTP API, under the uid
 * the exported dashboards reference, sending the bearer token as the custom header
 * `Authorization`. Byte-stable for the same URL.
 */
export function grafanaDatasourceYaml(prometheusUrl: string): string {
  return [
    '# Grafana data source provisioning (provisioning/datasources/obs-platform.yaml):',
    "# the platform's Prometheus HTTP API (metric-aggregation-service, /prometheus), which",
    '# the dashboards exported by GET /v1/dashboards/{id}/grafana query under this uid.',
    `# Set ${GRAFANA_TOKEN_VARIABLE} in Grafana's environment to a token with the read scope.`,
    'apiVersion: 1',
    'datasources:',
    `  - name: ${scalar('Observability platform')}`,
    `    uid: ${scalar(GRAFANA_DATASOURCE_UID)}`,
    '    type: prometheus',
    '    access: proxy',
    `    url: ${scalar(prometheusUrl)}`,
    '    editable: false',
    '    jsonData:',
    '      httpMethod: POST',
    '      httpHeaderName1: Authorization',
    '      prometheusType: Prometheus',
    '      prometheusVersion: 3.0.0',
    `      timeInterval: ${GRAFANA_SCRAPE_INTERVAL}`,
    '    secureJsonData:',
    `      httpHeaderValue1: ${scalar(`Bearer \${${GRAFANA_TOKEN_VARIABLE}}`)}`,
    '',
  ].join('\n');
}
