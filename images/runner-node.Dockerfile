# runner-node on an empty base: its binary, the C libraries it links, CPython for WASI with its
# standard library, and the interpreter compiled for this binary's wasmtime. No shell, no
# package manager, nothing else. The build context is the root filesystem that
# scripts/images.sh assembles (`bash scripts/images.sh` builds this image; see docs/install.md).
FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="runner-node" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.source="https://github.com/python-sandbox/python-sandbox" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY rootfs/ /
ENV RUNNER_PYTHON_DIR=/opt/python-sandbox/python \
    RUNNER_PRECOMPILED=/opt/python-sandbox/python.cwasm \
    RUNNER_MODULE_CACHE="" \
    RUNNER_LOG_FORMAT=json \
    TMPDIR=/tmp
# The distroless "nonroot" ids, which the operator's pods also run as.
USER 65532:65532
# 3000: POST /run, /health, /ready. 9090: /metrics.
EXPOSE 3000 9090
ENTRYPOINT ["/usr/local/bin/runner-node"]
