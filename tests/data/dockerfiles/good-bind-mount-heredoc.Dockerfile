# syntax=docker/dockerfile:1
ARG GO_VERSION=1.24
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod/ \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod/ \
    --mount=type=bind,target=. <<EOF
set -e
CGO_ENABLED=0 GOARCH="$TARGETARCH" go build -trimpath -ldflags "-s -w" -o /bin/server ./cmd/server
EOF

FROM alpine:3.20 AS final
RUN --mount=type=cache,target=/var/cache/apk \
    apk --update add ca-certificates=20240705-r0 tzdata=2024a-r1
COPY <<EOF /etc/app.conf
listen = ":8080"
EOF
ARG UID=10001
USER ${UID}
COPY --from=build /bin/server /bin/
EXPOSE 8080
ENTRYPOINT [ "/bin/server" ]
