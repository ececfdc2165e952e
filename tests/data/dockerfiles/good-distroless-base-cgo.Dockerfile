FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/notes .

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/notes /usr/local/bin/notes
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/notes"]
