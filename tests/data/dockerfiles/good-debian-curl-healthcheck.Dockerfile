FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/api .

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/api /usr/local/bin/api
USER 65532:65532
EXPOSE 8082
HEALTHCHECK CMD ["curl", "-fsS", "http://127.0.0.1:8082/healthz"]
ENTRYPOINT ["/usr/local/bin/api"]
