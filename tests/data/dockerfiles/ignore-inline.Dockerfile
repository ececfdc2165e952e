FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# the debugger needs symbols in this image
# goship:ignore=unstripped-binary,no-trimpath
RUN CGO_ENABLED=0 go build -o /out/app .

# goship:ignore=root-user
FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
