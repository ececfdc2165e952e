FROM golang:1.24-bookworm AS build
ARG GOPRIVATE=github.com/example/*
ENV GONOSUMDB=${GOPRIVATE} POSTGRES_PASSWORD_FILE=/run/secrets/db-password
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
