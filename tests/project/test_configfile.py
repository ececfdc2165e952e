"""Config files: loaders count as runtime files, and a port written only in the shipped
config file is found there."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import GoModule, Parsed, inspect

from goship.project.configfile import lookup
from goship.project.needs import FileRules


@pytest.mark.parametrize(
    ("name", "content", "key", "value", "line"),
    [
        ("app.ini", "[app]\nPort = 1\n\n[server]\nHttpPort = 8000\n", "HttpPort", "8000", 5),
        ("app.ini", "[app]\nport = 1\n[server]\nport = 8001 ; main\n", "server.port", "8001", 4),
        (
            "c.yaml",
            'db:\n  port: 5432\nserver:\n  host: x\n  port: "9090"\n',
            "server.port",
            "9090",
            5,
        ),
        ("c.yaml", "http_port: 7000 # the port\n", "httpPort", "7000", 1),
        ("c.toml", '[http]\naddr = ":8123"\n', "http.addr", ":8123", 2),
        (
            "c.json",
            '{\n  "server": {\n    "port": 8124,\n    "x": 1\n  }\n}\n',
            "server.port",
            "8124",
            3,
        ),
    ],
)
def test_lookup(tmp_path: Path, name: str, content: str, key: str, value: str, line: int) -> None:
    (tmp_path / name).write_text(content)
    found = lookup(tmp_path, [name], [key])
    assert found is not None
    assert (found.value, found.line) == (value, line)


def test_lookup_missing_key(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("db:\n  port: 5432\n")
    assert lookup(tmp_path, ["c.yaml"], ["server.port"]) is None


def test_loaders_and_sqlite(tmp_path: Path) -> None:
    src = """
    package main
    import (
        "database/sql"
        "github.com/BurntSushi/toml"
        "gopkg.in/ini.v1"
        "gorm.io/driver/sqlite"
    )
    func main() {
        ini.Load("conf/app.ini")
        toml.DecodeFile("./config.toml", nil)
        sql.Open("sqlite3", "file:data/app.db?cache=shared")
        sqlite.Open("state/gorm.db")
        sql.Open("sqlite3", ":memory:")
    }
    """
    p = Parsed({"main.go": src})
    found = FileRules(p.ev, tmp_path).scan(p.files)
    assert sorted(x.value for x in found.runtime) == ["conf/app.ini", "config.toml"]
    assert sorted(x.value for x in found.writable) == ["data", "state"]


def test_port_from_ini_file(go_module: GoModule) -> None:
    setting = """
    package setting
    import "os"
    type Server struct {
        HttpPort int
    }
    var ServerSetting = &Server{}
    func Setup() { _, _ = os.ReadFile("conf/app.ini") }
    """
    main = """
    package main
    import (
        "fmt"
        "net/http"
        "example.com/svc/setting"
    )
    func main() {
        setting.Setup()
        srv := &http.Server{Addr: fmt.Sprintf(":%d", setting.ServerSetting.HttpPort)}
        srv.ListenAndServe()
    }
    """
    root = go_module(
        {
            "main.go": main,
            "setting/setting.go": setting,
            "conf/app.ini": "[server]\nHttpPort = 8000\n",
        }
    )
    facts = inspect(root)
    assert (facts.service.port, facts.service.port_source) == (8000, "config")
    assert facts.needs.runtime_files == ["conf/app.ini"]
    assert any(
        e.fact == "port" and e.file == "conf/app.ini" and e.line == 2 for e in facts.evidence
    )
