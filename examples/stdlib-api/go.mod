module github.com/goship-dev/examples/stdlib-api

go 1.24
