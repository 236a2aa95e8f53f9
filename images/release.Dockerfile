# Both images built from source, for machines that can pull base images (BuildKit builds only
# the stages a target needs):
#
#   docker build -f images/release.Dockerfile --target runner-node -t REGISTRY/runner-node:TAG .
#   docker build -f images/release.Dockerfile --target runner-operator -t REGISTRY/runner-operator:TAG .
#   docker build -f images/release.Dockerfile --target runner-node-scientific \
#       -t REGISTRY/runner-node:TAG-scientific .
#
# The build stage runs scripts/images.sh --release --rootfs-only: release binaries, CPython for
# WASI from python-wasi/build.sh, the interpreter precompiled; build-scientific adds the
# scientific runtime's build (numpy and pandas, about 25 minutes more on 2 cores) on top of it.
# The final stages repeat images/runner-node.Dockerfile and images/runner-operator.Dockerfile
# after their COPY (images/test_images.py checks that they agree).
FROM rust:1.95-bookworm AS build
ENV SANDBOX_CACHE=/cache
WORKDIR /src
COPY . .
RUN bash scripts/images.sh --release --rootfs-only

FROM build AS build-scientific
RUN bash scripts/images.sh --release --rootfs-only --runtime scientific

FROM scratch AS runner-node
ARG VERSION=dev
LABEL org.opencontainers.image.title="runner-node" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.source="https://github.com/python-sandbox/python-sandbox" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /cache/images/runner-node/rootfs/ /
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

FROM scratch AS runner-node-scientific
ARG VERSION=dev
LABEL org.opencontainers.image.title="runner-node" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.source="https://github.com/python-sandbox/python-sandbox" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build-scientific /cache/images/runner-node-scientific/rootfs/ /
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

FROM scratch AS runner-operator
ARG VERSION=dev
LABEL org.opencontainers.image.title="runner-operator" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.source="https://github.com/python-sandbox/python-sandbox" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /cache/images/runner-operator/rootfs/ /
USER 65532:65532
# 8080: /health and /metrics.
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/runner-operator"]
CMD ["run"]
