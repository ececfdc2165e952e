FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/site .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/site /site
EXPOSE 8080
ENTRYPOINT ["/site"]
