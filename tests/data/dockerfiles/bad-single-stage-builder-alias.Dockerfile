FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /usr/local/bin/app .

FROM build AS final
USER nobody
ENTRYPOINT ["/usr/local/bin/app"]
