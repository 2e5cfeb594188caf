import { runOtlpGateway } from './otlp-gateway.js';

// `node dist/otlp-gateway.mjs` (every service image carries it; tools/bundle-service.ts).
await runOtlpGateway();
