# ruff: noqa: E501  (Go sources inline: one statement per line reads better than wrapped)
"""Port, port env and port source read from serve calls (syntax level, no toolchain)."""

from __future__ import annotations

import pytest
from project_helpers import Parsed

from goship.project.service import choose_listen, find_sites
from goship.project.values import port_of


def listen(
    src: str, extra: dict[str, str] | None = None
) -> tuple[int | None, str | None, str | None, str | None]:
    p = Parsed({"main.go": src, **(extra or {})})
    sites = [s for f in p.files for s in find_sites(f)]
    got = choose_listen(p.ev, sites, "example.com/svc", None)
    assert got is not None, "no serve site found"
    v = got.value
    return got.port, got.port_env, v.source, v.flag


GIN = 'import (\n"os"\n"fmt"\n"github.com/gin-gonic/gin"\n)\n'
HTTP = 'import (\n"fmt"\n"flag"\n"net"\n"net/http"\n"os"\n"cmp"\n)\n'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # literals in the three common forms
        ('func main() { http.ListenAndServe(":8081", nil) }', (8081, None, "literal", None)),
        ('func main() { http.ListenAndServe("0.0.0.0:9000", nil) }', (9000, None, "literal", None)),
        (
            'const port = "7000"\nfunc main() { http.ListenAndServe(":"+port, nil) }',
            (7000, None, "literal", None),
        ),
        # env with the if-empty fallback
        (
            'func main() {\n port := os.Getenv("PORT")\n if port == "" {\n  port = "8080"\n }\n'
            ' http.ListenAndServe(":"+port, nil)\n}',
            (8080, "PORT", "env", None),
        ),
        # LookupEnv with !ok fallback
        (
            'func main() {\n p, ok := os.LookupEnv("APP_PORT")\n if !ok { p = "3000" }\n'
            ' http.ListenAndServe(fmt.Sprintf(":%s", p), nil)\n}',
            (3000, "APP_PORT", "env", None),
        ),
        # default first, env overrides
        (
            'func main() {\n addr := ":5000"\n if v := os.Getenv("ADDR"); v != "" { addr = v }\n'
            " http.ListenAndServe(addr, nil)\n}",
            (5000, "ADDR", "env", None),
        ),
        # env without any default
        (
            'func main() { http.ListenAndServe(":"+os.Getenv("PORT"), nil) }',
            (None, "PORT", "env", None),
        ),
        # cmp.Or
        (
            'func main() { http.ListenAndServe(":"+cmp.Or(os.Getenv("PORT"), "4000"), nil) }',
            (4000, "PORT", "env", None),
        ),
        # flags
        (
            'func main() {\n addr := flag.String("addr", ":7070", "listen")\n flag.Parse()\n'
            " http.ListenAndServe(*addr, nil)\n}",
            (7070, None, "flag", "addr"),
        ),
        (
            'var port int\nfunc init() { flag.IntVar(&port, "port", 8088, "p") }\n'
            'func main() { http.ListenAndServe(fmt.Sprintf(":%d", port), nil) }',
            (8088, None, "flag", "port"),
        ),
        # http.Server literal, then srv.ListenAndServe()
        (
            'func main() {\n srv := &http.Server{Addr: ":9090"}\n srv.ListenAndServe()\n}',
            (9090, None, "literal", None),
        ),
        # net.Listen for a gRPC-style server
        (
            'func main() { lis, _ := net.Listen("tcp", ":50051"); _ = lis }',
            (50051, None, "literal", None),
        ),
        # a parameter followed to the caller
        (
            "func run(addr string) error { return http.ListenAndServe(addr, nil) }\n"
            'func main() { run(":6060") }',
            (6060, None, "literal", None),
        ),
        # a function that returns the address
        (
            'func addr() string {\n if p := os.Getenv("PORT"); p != "" { return ":" + p }\n return ":8181"\n}\n'
            "func main() { http.ListenAndServe(addr(), nil) }",
            (8181, "PORT", "env", None),
        ),
    ],
)
def test_net_http_ports(body: str, expected: tuple[object, ...]) -> None:
    assert listen("package main\n" + HTTP + body) == expected


def test_getenv_helper_with_fallback_parameter() -> None:
    src = (
        "package main\n" + HTTP + "func getenv(key, fallback string) string {\n"
        "  if v, ok := os.LookupEnv(key); ok { return v }\n  return fallback\n}\n"
        'func main() { http.ListenAndServe(":"+getenv("HTTP_PORT", "8282"), nil) }'
    )
    assert listen(src) == (8282, "HTTP_PORT", "env", None)


def test_gin_run_without_address_uses_port_env() -> None:
    src = "package main\n" + GIN + "func main() {\n r := gin.Default()\n r.Run()\n}"
    assert listen(src) == (8080, "PORT", "env", None)


def test_gin_run_literal() -> None:
    src = "package main\n" + GIN + 'func main() {\n r := gin.Default()\n r.Run(":8088")\n}'
    assert listen(src) == (8088, None, "literal", None)


def test_echo_and_fiber() -> None:
    echo = 'package main\nimport "github.com/labstack/echo/v4"\nfunc main() { e := echo.New(); e.Logger.Fatal(e.Start(":1323")) }'
    fiber = 'package main\nimport "github.com/gofiber/fiber/v2"\nfunc main() { app := fiber.New(); app.Listen(":3000") }'
    assert listen(echo)[:3] == (1323, None, "literal")
    assert listen(fiber)[:3] == (3000, None, "literal")


def test_struct_tag_env_through_config_field() -> None:
    src = (
        'package main\nimport (\n"net/http"\n"github.com/caarlos0/env/v11"\n)\n'
        'type Config struct {\n Port string `env:"PORT" envDefault:"8585"`\n}\n'
        'func main() {\n var cfg Config\n env.Parse(&cfg)\n http.ListenAndServe(":"+cfg.Port, nil)\n}'
    )
    assert listen(src) == (8585, "PORT", "env", None)


def test_viper_default_is_config_source() -> None:
    src = (
        'package main\nimport (\n"net/http"\n"github.com/spf13/viper"\n)\n'
        'func main() {\n viper.SetDefault("server.port", "9090")\n'
        ' http.ListenAndServe(":"+viper.GetString("server.port"), nil)\n}'
    )
    assert listen(src) == (9090, None, "config", None)


def test_viper_automatic_env_with_prefix_and_replacer() -> None:
    src = (
        'package main\nimport (\n"net/http"\n"strings"\n"github.com/spf13/viper"\n)\n'
        'func main() {\n viper.SetEnvPrefix("app")\n'
        ' viper.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))\n viper.AutomaticEnv()\n'
        ' viper.SetDefault("server.port", 9091)\n'
        ' http.ListenAndServe(":"+viper.GetString("server.port"), nil)\n}'
    )
    assert listen(src) == (9091, "APP_SERVER_PORT", "config", None)


def test_config_from_other_package() -> None:
    cfg = (
        'package config\nimport "os"\n'
        'func Getenv(k, d string) string { if v := os.Getenv(k); v != "" { return v }; return d }\n'
        "type Config struct { Addr string }\n"
        'func Load() Config { return Config{Addr: ":" + Getenv("PORT", "8383")} }\n'
    )
    main = (
        'package main\nimport (\n"net/http"\n"example.com/svc/config"\n)\n'
        "func main() {\n c := config.Load()\n http.ListenAndServe(c.Addr, nil)\n}"
    )
    p = Parsed({"main.go": main, "config/config.go": cfg})
    sites = [s for f in p.files for s in find_sites(f)]
    got = choose_listen(p.ev, sites, "example.com/svc", None)
    assert got is not None
    assert (got.port, got.port_env) == (8383, "PORT")


def test_metrics_listener_is_not_the_service_port() -> None:
    src = (
        "package main\n"
        + HTTP
        + 'func main() {\n go http.ListenAndServe(":9102", promhttp.Handler())\n'
        ' http.ListenAndServe(":8080", nil)\n}'
    )
    assert listen(src)[0] == 8080


@pytest.mark.parametrize(
    ("text", "port"),
    [
        (":8080", 8080),
        ("0.0.0.0:80", 80),
        ("8080", 8080),
        ("[::]:443", 443),
        ("localhost", None),
        (":", None),
        (":99999", None),
    ],
)
def test_port_of(text: str, port: int | None) -> None:
    from goship.project.values import literal

    assert port_of(literal(text)) == port


def test_autotls_listens_on_443() -> None:
    src = 'package main\nimport (\n"github.com/gin-gonic/autotls"\n"github.com/gin-gonic/gin"\n)\nfunc main() { r := gin.Default(); autotls.Run(r, "example.com") }'
    assert listen(src)[:3] == (443, None, "literal")


def test_urfave_cli_flag_with_env() -> None:
    src = """package main
import (
\t"net/http"
\t"github.com/urfave/cli/v2"
)
func main() {
\tapp := &cli.App{
\t\tFlags: []cli.Flag{
\t\t\t&cli.StringFlag{Name: "listen", Value: ":8765", EnvVars: []string{"LISTEN_ADDR"}},
\t\t},
\t\tAction: func(c *cli.Context) error { return http.ListenAndServe(c.String("listen"), nil) },
\t}
\t_ = app
}
"""
    assert listen(src) == (8765, "LISTEN_ADDR", "env", "listen")


def test_env_method_wrapper() -> None:
    src = """package main
import (
\t"net/http"
\t"os"
)
type env struct{}
func (env) getenv(k, d string) string { if v := os.Getenv(k); v != "" { return v }; return d }
func main() {
\tvar e env
\thttp.ListenAndServe(":"+e.getenv("SVC_PORT", "8766"), nil)
}
"""
    assert listen(src) == (8766, "SVC_PORT", "env", None)
