FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/site .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
WORKDIR /app
COPY templates /app/templates
COPY assets ./assets
COPY resources/favicon.ico resources/
COPY --from=build /out/site /usr/local/bin/site
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/site"]
