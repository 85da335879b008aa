# Loom: one image for the web process, the worker and the migration job; the command picks the role.
#   docker build -t loom .
#   docker run -p 8000:8000 -v loom-data:/data loom              # web + embedded worker, SQLite in /data
#   docker run loom run -A --cached-only --v8-flags=--max-semi-space-size=2 worker/main.ts   # a worker (PostgreSQL)
FROM denoland/deno:2.9.6

ENV DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1 \
    LOOM_DATABASE_URL=/data/loom.db \
    LOOM_HOSTNAME=0.0.0.0 \
    LOOM_PORT=8000

WORKDIR /app
# bubblewrap (and util-linux's prlimit and setpriv) isolate script steps; without them script steps are refused.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends bubblewrap util-linux \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown deno:deno /data /app
USER deno

# Dependencies first (every npm package in deno.json, pinned by deno.lock), so a source change reuses this layer.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --chown=deno:deno . .

# Everything the processes import is cached and the islands are bundled at build time, so at run time the
# container needs no registry access (`--cached-only`).
RUN deno cache --frozen main.ts worker/main.ts tools/migrate.ts tools/rotate_secrets.ts \
    && deno run -A tools/build_islands.ts

VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:' + (Deno.env.get('LOOM_PORT') ?? '8000') + '/healthz'); Deno.exit(r.ok ? 0 : 1)"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["deno"]
CMD ["run", "-A", "--cached-only", "main.ts"]
