# Steward: multi-stage build; the runtime image runs as the unprivileged `node` user with state in /data.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/db-generate.mjs scripts/db-generate.mjs
COPY prisma prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY manifests manifests
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX=2 keeps glibc from growing one heap arena per thread (resident memory, bench/README.md).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    DATABASE_URL=file:/data/steward.db \
    STEWARD_CONFIG=/app/manifests/policy.example.yaml \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/manifests ./manifests
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/main.js"]
