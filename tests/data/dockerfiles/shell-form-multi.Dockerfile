FROM golang:1.24-bookworm AS base
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM base AS build
COPY . .
RUN set -eux; \
    export CGO_ENABLED=0; \
    go build -trimpath -ldflags "-s -w" -o /out/app .

FROM base AS test
COPY . .
RUN go test ./...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT /app
