ARG BUILDER=golang:1.24-bookworm
ARG RUNTIME=alpine:latest
FROM ${BUILDER} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM $RUNTIME
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
