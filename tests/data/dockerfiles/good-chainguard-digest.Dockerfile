FROM cgr.dev/chainguard/go:latest@sha256:0c2c2b0e6bbc32cd8f4b4b56e0b4f7f38c0b86d0a0c2e2d6f0b2a3e0f8b9d6a1 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM cgr.dev/chainguard/static:latest@sha256:5a1f8f9e6f0e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
