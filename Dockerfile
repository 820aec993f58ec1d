# syntax=docker/dockerfile:1
# LogFlow on the official Bun image. One image for every role: the container's command picks it
# (docker run logflow api | worker | all | migrate | generate …).

# Dependencies only, so source changes do not reinstall them.
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json package-lock.json bunfig.toml ./
# bun reads npm's package-lock.json; no dev dependencies in the image.
RUN bun install --production --ignore-scripts
# The web console, built here once (Bun's bundler; Preact is a production dependency), since
# --ignore-scripts skips the `prepare` script that builds it on a developer's install.
COPY ui ./ui
COPY scripts/build-ui.ts ./scripts/
RUN bun scripts/build-ui.ts

FROM oven/bun:1.4.5-slim AS runtime
WORKDIR /app
ENV LOGFLOW_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    DATA_DIR=/app/data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/dist ./dist
COPY package.json bunfig.toml tsconfig.json ./
COPY src ./src
COPY actors ./actors
COPY pipelines ./pipelines
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
EXPOSE 8000 4317
# Every server role answers /health (503 while a component it needs is down).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["bun", "-e", "fetch(`http://127.0.0.1:${process.env.API_PORT ?? 8000}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["bun", "run", "src/main.ts"]
CMD ["all"]
