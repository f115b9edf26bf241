# One image per service, built from the repository root:
#   docker build --build-arg SERVICE=hazards -t qingling-hazards .
# The image runs the service's API (default), its worker (`qingling worker <service>`) and its
# migration job (`qingling migrate <service>`); docker-compose.yml wires all three per service.
FROM python:3.11-slim
ARG SERVICE
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<identity|hazards|reports|notify>" && false)
WORKDIR /app
COPY pyproject.toml README.md ./
COPY libs libs
COPY stack stack
COPY services services
# evidence/ and media/ exist, owned by the service, so the volumes mounted there start out its own.
RUN pip install --no-cache-dir -e . && useradd --system qingling \
    && mkdir -p /var/lib/qingling/evidence /var/lib/qingling/media && chown -R qingling /var/lib/qingling
USER qingling
ENV SERVICE=${SERVICE} \
    QL_DATA_DIR=/var/lib/qingling \
    QL_ENVIRONMENT=production \
    QL_LOG_FORMAT=json \
    QL_MIGRATE_ON_START=false \
    QL_RUN_WORKERS=false
EXPOSE 8000
HEALTHCHECK CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:8000/api/v1/{os.environ[\"SERVICE\"]}/healthz')"
CMD ["sh", "-c", "exec qingling serve \"$SERVICE\" --port 8000"]
