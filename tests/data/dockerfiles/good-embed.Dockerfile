FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/site .

FROM scratch
COPY --from=build /etc/ssl/certs /etc/ssl/certs
COPY --from=build /out/site /site
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/site"]
