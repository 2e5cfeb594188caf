# syntax=docker/dockerfile:1
# One image for any service of the platform:
#   docker build --build-arg SERVICE=incident-service -t obs/incident-service .
# The build stage installs the workspace, keeps the service's production dependencies only
# (`pnpm deploy --prod`, flat node_modules), compiles the service and the workspace packages it
# uses into one ES module and copies just the packages that module needs at run time (`pnpm bundle
# --node-modules`, see tools/bundle-service.ts). The final stage has nothing else.
ARG NODE_IMAGE=node:22.21.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN npm install --global pnpm@10.34.9
WORKDIR /repo
# The store from the lockfile alone (`pnpm fetch`): the slow layer, shared by all eleven images and
# reused until pnpm-lock.yaml changes. The install after it links offline.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
# The service only now: every layer above is the same for every image.
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<name>-service' >&2; exit 1; }
RUN pnpm --filter "@obs/${SERVICE}" deploy --prod --legacy --config.node-linker=hoisted /deploy \
 && pnpm bundle "${SERVICE}" /app/dist --node-modules /deploy

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="obs-${SERVICE}" \
      org.opencontainers.image.source="observability-feedback-platform"
# Production: no development secret, so JWKS_URL (+ JWT_ISSUER, JWT_AUDIENCE) or JWT_SECRET must
# be given. PORT is optional: compose and the Container Apps template set it, and without it the
# service listens on its own port (packages/service-kit SERVICE_PORTS), as the healthcheck does.
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "dist/healthcheck.mjs"]
# dist/healthcheck.mjs: GET http://127.0.0.1:<PORT or the service's port>/healthz, exit 0 on 2xx.
CMD ["node", "--enable-source-maps", "dist/main.mjs"]
