# ruff: noqa: E501  (Go sources inline: one statement per line reads better than wrapped)
"""Health routes, runtime files, writable paths and env reads (syntax level)."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import Parsed

from goship.project.configsrc import ViperInfo, env_from_tags
from goship.project.env import env_reads
from goship.project.index import parse_tag as parse_tag_value
from goship.project.needs import FileRules, normalise
from goship.project.service import health_route, routes


def health(src: str) -> str | None:
    p = Parsed({"main.go": src})
    r = health_route(routes(p.ev, p.files))
    return r.path if r else None


def test_go122_method_pattern() -> None:
    src = 'package main\nimport "net/http"\nfunc main() { m := http.NewServeMux(); m.HandleFunc("GET /healthz", nil) }'
    assert health(src) == "/healthz"


def test_health_preference_and_groups() -> None:
    src = (
        'package main\nimport "github.com/gin-gonic/gin"\n'
        'func main() {\n r := gin.New()\n r.GET("/ping", nil)\n r.GET("/readyz", nil)\n'
        ' api := r.Group("/api")\n api.GET("/health", nil)\n r.GET("/users/:id", nil)\n}'
    )
    assert health(src) == "/api/health"


def test_chi_route_closure_prefix() -> None:
    src = (
        'package main\nimport "github.com/go-chi/chi/v5"\n'
        'func main() {\n r := chi.NewRouter()\n r.Route("/v1", func(r chi.Router) {\n'
        '  r.Get("/livez", nil)\n })\n}'
    )
    assert health(src) == "/v1/livez"


def test_no_health_route() -> None:
    src = 'package main\nimport "net/http"\nfunc main() { http.HandleFunc("/items", nil); http.HandleFunc("/", nil) }'
    assert health(src) is None


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("templates/*", "templates"),
        ("./static", "static"),
        ("templates/**/*.tmpl", "templates"),
        ("./web/static/", "web/static"),
        ("config/app.yaml", "config/app.yaml"),
        ("*.html", "."),
        ("/etc/app.conf", None),
        ("", None),
    ],
)
def test_normalise(raw: str, norm: str | None) -> None:
    assert normalise(raw) == norm


def files_of(src: str, tmp_path: Path) -> tuple[list[str], list[str]]:
    p = Parsed({"main.go": src})
    found = FileRules(p.ev, tmp_path).scan(p.files)
    return [x.value for x in found.runtime], [x.value for x in found.writable]


def test_runtime_files_all_kinds(tmp_path: Path) -> None:
    src = """
    package main
    import (
        "html/template"
        "net/http"
        "os"
        "path/filepath"
        "github.com/gin-gonic/gin"
    )
    const tplDir = "views"
    func main() {
        r := gin.Default()
        r.LoadHTMLGlob("templates/**/*.tmpl")
        r.Static("/assets", "./assets")
        r.StaticFile("/favicon.ico", "./resources/favicon.ico")
        r.StaticFS("/pub", http.Dir("public"))
        t := template.Must(template.ParseGlob(filepath.Join(tplDir, "*.html")))
        _ = t
        b, _ := os.ReadFile("config/app.json")
        _ = b
        http.Handle("/files/", http.FileServer(http.Dir("./files")))
        os.ReadFile("/etc/hostname")
    }
    """
    runtime, writable = files_of(src, tmp_path)
    assert sorted(runtime) == sorted(
        [
            "templates",
            "assets",
            "resources/favicon.ico",
            "public",
            "views",
            "config/app.json",
            "files",
        ]
    )
    assert writable == []


def test_embed_served_paths_are_not_runtime_files(tmp_path: Path) -> None:
    src = """
    package main
    import (
        "embed"
        "html/template"
        "io/fs"
        "net/http"
    )
    //go:embed static templates
    var content embed.FS
    func main() {
        sub, _ := fs.Sub(content, "static")
        http.Handle("/static/", http.FileServer(http.FS(sub)))
        template.Must(template.ParseFS(content, "templates/*.html"))
    }
    """
    assert files_of(src, tmp_path) == ([], [])


def test_writable_paths(tmp_path: Path) -> None:
    src = """
    package main
    import "os"
    func main() {
        f, _ := os.CreateTemp("", "upload-*")
        _ = f
        os.MkdirAll("data/uploads", 0o755)
        os.OpenFile("logs/app.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
        os.Create("/var/lib/app/state.db")
    }
    """
    runtime, writable = files_of(src, tmp_path)
    assert runtime == []
    assert sorted(writable) == sorted(["/tmp", "data/uploads", "logs", "/var/lib/app"])


def test_viper_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("port: 1\n")
    src = """
    package main
    import "github.com/spf13/viper"
    func main() {
        viper.SetConfigName("config")
        viper.AddConfigPath(".")
        viper.AddConfigPath("./configs")
        viper.ReadInConfig()
    }
    """
    runtime, _ = files_of(src, tmp_path)
    assert sorted(runtime) == ["config.yaml", "configs"]


def envs(sources: dict[str, str]) -> dict[str, str | None]:
    p = Parsed(sources)
    reads = env_reads(p.idx, p.ev, ViperInfo.collect(p.idx, p.files), p.files)
    out: dict[str, str | None] = {}
    for r in reads:
        if out.get(r.name) is None:
            out[r.name] = r.default
    return out


def test_env_reads_with_defaults() -> None:
    src = """
    package main
    import (
        "cmp"
        "os"
        "strconv"
    )
    func getenv(key, def string) string {
        if v := os.Getenv(key); v != "" {
            return v
        }
        return def
    }
    func main() {
        dsn := os.Getenv("DATABASE_URL")
        port := os.Getenv("PORT")
        if port == "" {
            port = "8080"
        }
        level := getenv("LOG_LEVEL", "info")
        region := cmp.Or(os.Getenv("REGION"), "eu-west-1")
        workers, _ := strconv.Atoi(getenv("WORKERS", "4"))
        _, _, _, _, _ = dsn, port, level, region, workers
    }
    """
    assert envs({"main.go": src}) == {
        "DATABASE_URL": None,
        "PORT": "8080",
        "LOG_LEVEL": "info",
        "REGION": "eu-west-1",
        "WORKERS": "4",
    }


def test_env_struct_tags_and_envconfig_prefix() -> None:
    src = """
    package main
    import "github.com/kelseyhightower/envconfig"
    type Spec struct {
        Port     int    `envconfig:"PORT" default:"8080"`
        LogLevel string `split_words:"true" default:"info"`
        Debug    bool
    }
    func main() {
        var s Spec
        envconfig.Process("myapp", &s)
    }
    """
    assert envs({"main.go": src}) == {
        "MYAPP_PORT": "8080",
        "MYAPP_LOG_LEVEL": "info",
        "MYAPP_DEBUG": None,
    }


def test_env_viper_bindings() -> None:
    src = """
    package main
    import "github.com/spf13/viper"
    func main() {
        viper.SetEnvPrefix("shop")
        viper.AutomaticEnv()
        viper.BindEnv("db_dsn", "DATABASE_URL")
        viper.SetDefault("port", "8080")
        _ = viper.GetString("region")
    }
    """
    assert envs({"main.go": src}) == {
        "SHOP_PORT": "8080",
        "SHOP_REGION": None,
        "DATABASE_URL": None,
    }


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ('env:"PORT" envDefault:"8080"', ("PORT", "8080")),
        ('env:"DSN,required"', ("DSN", None)),
        ('env:"PORT, default=9000"', ("PORT", "9000")),
        ('env:"PORT" env-default:"7000"', ("PORT", "7000")),
        ('json:"port"', None),
    ],
)
def test_env_from_tags(tag: str, expected: tuple[str, str | None] | None) -> None:
    assert env_from_tags(parse_tag_value(tag)) == expected


def test_dotenv_files_are_reported_apart(tmp_path: Path) -> None:
    src = """
    package main
    import (
        "github.com/joho/godotenv"
        _ "github.com/joho/godotenv/autoload"
    )
    func main() {
        godotenv.Load()
        godotenv.Load("config/local.env")
    }
    """
    p = Parsed({"main.go": src})
    found = FileRules(p.ev, tmp_path).scan(p.files)
    assert sorted(x.value for x in found.env_files) == [".env", ".env", "config/local.env"]
    assert found.runtime == []


def test_env_default_through_strconv_fallback() -> None:
    src = """
    package main
    import (
        "os"
        "strconv"
    )
    const defaultTimeout = 30
    func main() {
        raw := os.Getenv("CONTEXT_TIMEOUT")
        timeout, err := strconv.Atoi(raw)
        if err != nil {
            timeout = defaultTimeout
        }
        _ = timeout
    }
    """
    assert envs({"main.go": src}) == {"CONTEXT_TIMEOUT": "30"}


@pytest.mark.parametrize(
    ("code", "deps", "loads"),
    [
        ('time.LoadLocation("Europe/Paris")', set(), True),
        ('time.LoadLocation("UTC")', set(), False),
        (
            'sql.Open("mysql", "u:p@tcp(db)/x?parseTime=true&loc=Asia%2FTokyo")',
            {"github.com/go-sql-driver/mysql"},
            True,
        ),
        ('sql.Open("mysql", "u:p@tcp(db)/x?loc=Local")', {"github.com/go-sql-driver/mysql"}, False),
        (
            'v := url.Values{}; v.Add("loc", "Asia/Jakarta")',
            {"github.com/go-sql-driver/mysql"},
            True,
        ),
        ('c.AddFunc("CRON_TZ=Europe/Paris 0 3 * * *", nil)', {"github.com/robfig/cron/v3"}, True),
        ('c.AddFunc("0 3 * * *", nil)', {"github.com/robfig/cron/v3"}, False),
    ],
)
def test_zone_loading(code: str, deps: set[str], loads: bool) -> None:
    from goship.project.tz import zone_loads

    src = (
        f'package main\nimport (\n"database/sql"\n"net/url"\n"time"\n)\nfunc main() {{ {code} }}\n'
    )
    p = Parsed({"main.go": src})
    assert bool(zone_loads(p.files, deps, p.ev)) is loads
