FROM golang:1.24-bookworm AS build
ENV GOFLAGS=-trimpath CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
RUN go build -ldflags='-s -w' -o /out/app ./cmd/app

FROM scratch
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
