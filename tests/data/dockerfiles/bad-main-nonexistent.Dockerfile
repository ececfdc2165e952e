FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
WORKDIR /src/cmd
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/app ./server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
EXPOSE 3000
ENTRYPOINT ["/app"]
