FROM golang:1.24-alpine AS build
RUN apk add --no-cache gcc=13.2.1_git20240309-r0 musl-dev=1.2.5-r0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags "-s -w" -o /out/app .

FROM scratch
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
