FROM golang:latest AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app .

FROM alpine
RUN apk add --no-cache ca-certificates=20240705-r0
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
