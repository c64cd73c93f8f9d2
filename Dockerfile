# syntax=docker/dockerfile:1
# VoAPI Desktop's headless gateway (`voapi-desktop serve`): no Qt, no compilers, a non-root user.
#   docker build -t voapi-desktop .
#   docker run -d -p 3000:3000 -v voapi-data:/data -e SESSION_SECRET=... voapi-desktop
# Admin commands run in the same image: docker exec <container> voapi-desktop token create --name laptop

# ---- build: the project's wheel and the wheels of its runtime dependencies (no extras, so no PySide6)
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY voapi_desktop ./voapi_desktop
RUN python -m pip wheel --wheel-dir /wheels .

# ---- runtime: the wheels installed into a slim Python, nothing else
FROM python:3.11-slim-bookworm
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 voapi \
 && useradd --system --uid 10001 --gid voapi --home-dir /data --no-create-home --shell /usr/sbin/nologin voapi \
 && mkdir -p /data \
 && chown voapi:voapi /data
# Install from the build stage's wheels only (--no-index), then prove the image carries no Qt.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels voapi-desktop \
 && python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('PySide6') is not None)" \
 && voapi-desktop --version

# The gateway listens on every interface inside the container; the database, secrets and logs live in /data.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 3000
WORKDIR /data
USER 10001:10001

# `serve` stops gracefully on SIGTERM (settles the ledger, closes the database).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import json, os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/api/status' % os.environ.get('PORT', '3000'), timeout=5); sys.exit(0 if json.load(r).get('success') is True else 1)"]

ENTRYPOINT ["voapi-desktop"]
CMD ["serve"]
