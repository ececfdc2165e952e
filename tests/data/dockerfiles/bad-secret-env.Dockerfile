FROM golang:1.24-bookworm AS build
ARG GITHUB_TOKEN
ENV GOPROXY=https://builder:s3cr3tpass@goproxy.example.com,direct
ENV GOPRIVATE=github.com/example/*
WORKDIR /src
COPY go.mod go.sum ./
RUN git config --global url."https://x-access-token:${GITHUB_TOKEN}@github.com/".insteadOf "https://github.com/" \
 && go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
ENV API_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
