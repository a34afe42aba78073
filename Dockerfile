# EdgeBase Functions: one image for the control plane and the edge nodes (docs/deploy.md).
#   docker build -t edgebase-functions .
#   docker run ... edgebase-functions control/main.ts [flags]        the control plane (the default)
#   docker run ... edgebase-functions runner/main.ts --control-plane URL --token-file FILE [flags]
# Not built by our tests (no Docker daemon where they run): tests/ops/deploy-files.test.ts checks
# its base image, install command, user, volumes, ports and health check against the programs.
FROM oven/bun:1.4.5

WORKDIR /app
# Dependencies first, a layer of their own. Production ones only; --ignore-scripts: the one script
# is ours (functions/build.ts), which builds the samples with the devDependencies' compiler.
COPY package.json bun.lock bunfig.toml ./
RUN bun install --production --frozen-lockfile --ignore-scripts

# The programs; .dockerignore keeps tests, benchmarks, docs, samples and secrets out.
COPY tsconfig.json ./
COPY core core
COPY runner runner
COPY control control

# The control plane's data dir and an edge node's cache dir: volumes, owned by the image's
# non-root user `bun` (uid 1000), private to it (0700 is what both programs make them anyway).
RUN mkdir -p /var/lib/edgebase /var/cache/edgebase \
 && chown bun:bun /var/lib/edgebase /var/cache/edgebase \
 && chmod 0700 /var/lib/edgebase /var/cache/edgebase
ENV EDGE_CONTROL_DATA_DIR=/var/lib/edgebase \
    EDGE_RUNNER_CACHE_DIR=/var/cache/edgebase
VOLUME ["/var/lib/edgebase", "/var/cache/edgebase"]

USER bun
# 8080: the control plane; 3000: an edge node (or a single-module runner).
EXPOSE 8080 3000
# /readyz: 200 once the program serves (docs/deploy.md). READYZ_URL for a runner:
# http://127.0.0.1:3000/readyz (compose.yaml sets each service's own check).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bun", "-e", "fetch(process.env.READYZ_URL ?? 'http://127.0.0.1:8080/readyz', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# bun itself is PID 1: SIGTERM reaches the program, which drains and exits 0.
ENTRYPOINT ["bun"]
CMD ["control/main.ts"]
