# Wijkkompas as a server replica: the same app `make run` starts (app.py, through serve.py which adds
# /healthz and login settings from the environment), the same pinned requirements.txt and the same
# Debian libraries as the Makefile's RUN_DEBS. Debian 12's own Python is 3.11, the version we support.
#
#   docker build -t wijkkompas .
#   docker compose up            (proxy + 3 replicas; see compose.yaml and docs/deployment.md)
FROM debian:bookworm-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WIJKKOMPAS_DATA_DIR=/data \
    PATH=/opt/venv/bin:$PATH

# RUN_DEBS of the Makefile (Pango and fonts for the PDF export) plus Python 3.11 itself.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# A TLS-inspecting proxy's CA, when the build needs one (deploy/ca-certificates/README.md).
COPY deploy/ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null 2>&1 || true
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

WORKDIR /app
COPY requirements.txt .
RUN python3 -m venv /opt/venv && pip install -r requirements.txt

COPY . .
RUN useradd --uid 10001 --create-home wijkkompas && mkdir -p /data && chown wijkkompas /data
USER wijkkompas

EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
  CMD python -c "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:8501/healthz', timeout=4).status != 200)"
CMD ["streamlit", "run", "serve.py", "--server.port", "8501", "--server.address", "0.0.0.0", \
     "--server.headless", "true", "--browser.gatherUsageStats", "false"]
