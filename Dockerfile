# syntax=docker/dockerfile:1
# One image for any service of the platform:
#   docker build --build-arg SERVICE=incident-service -t obs/incident-service .
# The build stage installs the workspace, keeps the service's production dependencies only
# (`pnpm deploy --prod`, flat node_modules) and compiles the service and the workspace packages it
# uses into one ES module (`pnpm bundle`, esbuild). The final stage has nothing else.
ARG NODE_IMAGE=node:22.21.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<name>-service' >&2; exit 1; }
RUN npm install --global pnpm@10.34.9
WORKDIR /repo
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm --filter "@obs/${SERVICE}" deploy --prod --legacy --config.node-linker=hoisted /app \
 && pnpm bundle "${SERVICE}" /app/dist \
 && rm -rf /app/src /app/test /app/tsconfig.json

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="obs-${SERVICE}" \
      org.opencontainers.image.source="observability-feedback-platform"
# Production: no development secret, so JWKS_URL (+ JWT_ISSUER, JWT_AUDIENCE) or JWT_SECRET must
# be given. PORT is set by compose and by the Container Apps template (the service's own port).
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.mjs"]
