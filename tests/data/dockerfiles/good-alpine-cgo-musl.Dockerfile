FROM golang:1.24-alpine AS build
RUN apk add --no-cache gcc=13.2.1_git20240309-r0 musl-dev=1.2.5-r0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/app ./cmd/app

FROM alpine:3.20
RUN adduser -D -u 10001 app
USER 10001
COPY --from=build /out/app /usr/local/bin/app
HEALTHCHECK --interval=30s CMD wget -q -O- http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/app"]
