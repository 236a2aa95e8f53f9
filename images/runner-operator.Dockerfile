# runner-operator on an empty base: its binary and the C libraries it links, nothing else (no
# shell, no package manager). The build context is the root filesystem that scripts/images.sh
# assembles (`bash scripts/images.sh` builds this image; see docs/install.md).
FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="runner-operator" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.source="https://github.com/python-sandbox/python-sandbox" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY rootfs/ /
USER 65532:65532
# 8080: /health and /metrics.
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/runner-operator"]
CMD ["run"]
