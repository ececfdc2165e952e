FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /etc/app
COPY --from=build /src/config.yaml ./
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/app"]
