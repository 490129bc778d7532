# digitize on Debian 12, set up by the same script a new user runs.
#   docker run -p 8000:8000 -v digitize-data:/app/data IMAGE up --host 0.0.0.0
# runs the whole service (its own Redis, SQLite, a worker per core, the API); or run
# `serve` and `worker` containers against shared PostgreSQL, Redis and S3 storage:
# deploy/compose.yaml (README, "Many machines").
#
# Behind a proxy that re-signs TLS (common on government networks), pass the site's CA
# certificate, a PEM file inside the build context:
#   docker build --build-arg SITE_CA_CERT=deploy/site-ca.crt -t digitize .
# It is trusted while building (apt, pip) and at run time (webhooks, S3 over https).
FROM debian:bookworm-slim
ARG SITE_CA_CERT=
WORKDIR /app
COPY . .
RUN set -eu; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null; \
    if [ -n "$SITE_CA_CERT" ]; then \
        cp "$SITE_CA_CERT" /usr/local/share/ca-certificates/site-ca.crt; \
        update-ca-certificates; \
    fi
# pip, httpx and boto3 would otherwise trust only their own bundled certificates.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/* /root/.cache
ENV PATH=/app/.venv/bin:$PATH \
    DIGITIZE_DATA_DIR=/app/data
VOLUME /app/data
EXPOSE 8000
ENTRYPOINT ["digitize"]
CMD ["--help"]
