# ruff: noqa: E501  (Go sources inline: one statement per line reads better than wrapped)
"""inspect_project end to end on small stdlib-only modules written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project_helpers import GoModule, inspect, main_go, write_tree

from goship.cli import run
from goship.errors import ProjectError, UsageError

SERVER = main_go(
    """
    func main() {
        port := os.Getenv("PORT")
        if port == "" {
            port = "8080"
        }
        mux := http.NewServeMux()
        mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
        http.ListenAndServe(":"+port, mux)
    }
    """
)
CLI = main_go("func main() { fmt.Println(os.Args) }", imports=("fmt", "os"))


def test_single_server(go_module: GoModule) -> None:
    facts = inspect(go_module({"main.go": SERVER}))
    assert facts.module == "example.com/svc"
    assert facts.go_version == "1.22"
    assert [(m.package, m.dir, m.serves) for m in facts.mains] == [("example.com/svc", ".", True)]
    s = facts.service
    assert (s.main, s.framework, s.port, s.port_env, s.port_source) == (
        "example.com/svc",
        "net/http",
        8080,
        "PORT",
        "env",
    )
    assert s.health_path == "/healthz"
    assert facts.needs.ca_certificates is True
    assert facts.needs.tzdata is False
    assert facts.needs.cgo is False
    assert [(e.name, e.default) for e in facts.env] == [("PORT", "8080")]
    port_lines = {e.line for e in facts.evidence if e.fact == "port" and e.file == "main.go"}
    assert {9, 11, 15} <= port_lines  # os.Getenv, the fallback, ListenAndServe
    assert any(e.fact == "health_path" and e.line == 14 for e in facts.evidence)


def test_server_beats_cli_main(go_module: GoModule) -> None:
    root = go_module({"cmd/api/main.go": SERVER, "cmd/migrate/main.go": CLI})
    facts = inspect(root)
    assert facts.service.main == "example.com/svc/cmd/api"
    assert {m.dir: m.serves for m in facts.mains} == {"cmd/api": True, "cmd/migrate": False}
    assert facts.warnings == []


def test_two_servers_pick_none(go_module: GoModule) -> None:
    root = go_module({"cmd/a/main.go": SERVER, "cmd/b/main.go": SERVER.replace("8080", "9090")})
    facts = inspect(root)
    assert facts.service.main is None
    assert facts.service.port is None
    assert sorted(facts.service.candidates) == ["example.com/svc/cmd/a", "example.com/svc/cmd/b"]
    assert facts.warnings and "--main" in facts.warnings[0]
    picked = inspect(root, main="cmd/b")
    assert (picked.service.main, picked.service.port) == ("example.com/svc/cmd/b", 9090)
    assert inspect(root, main="example.com/svc/cmd/a").service.port == 8080


def test_unknown_main_lists_mains(go_module: GoModule) -> None:
    root = go_module({"cmd/a/main.go": SERVER, "cmd/b/main.go": CLI})
    with pytest.raises(UsageError) as exc:
        inspect(root, main="cmd/nope")
    assert "example.com/svc/cmd/a" in exc.value.message and "cmd/b" in exc.value.message


def test_server_started_in_internal_package(go_module: GoModule) -> None:
    server = """
    package server
    import "net/http"
    func Run(addr string) error { return http.ListenAndServe(addr, nil) }
    """
    api = 'package main\nimport "example.com/svc/internal/server"\nfunc main() { server.Run(":7171") }\n'
    tool = 'package main\nimport (\n"fmt"\n_ "example.com/svc/internal/server"\n)\nfunc main() { fmt.Println() }\n'
    root = go_module(
        {"internal/server/server.go": server, "cmd/api/main.go": api, "cmd/tool/main.go": tool}
    )
    facts = inspect(root)
    assert {m.dir: m.serves for m in facts.mains} == {"cmd/api": True, "cmd/tool": False}
    assert (facts.service.main, facts.service.port) == ("example.com/svc/cmd/api", 7171)
    assert any(e.fact == "port" and e.file == "internal/server/server.go" for e in facts.evidence)


def test_cli_only_module_single_main(go_module: GoModule) -> None:
    facts = inspect(go_module({"main.go": CLI}))
    assert facts.service.main == "example.com/svc"
    assert facts.service.framework is None and facts.service.port is None
    assert facts.needs.ca_certificates is False


def test_tzdata_rules(go_module: GoModule, tmp_path: Path) -> None:
    uses = main_go(
        'func main() { loc, _ := time.LoadLocation(os.Getenv("TZ_NAME")); fmt.Println(loc) }',
        imports=("fmt", "os", "time"),
    )
    utc = main_go(
        'func main() { loc, _ := time.LoadLocation("UTC"); fmt.Println(loc) }',
        imports=("fmt", "time"),
    )
    embedded = uses.replace('"time"\n', '"time"\n\t_ "time/tzdata"\n')
    assert inspect(go_module({"main.go": uses}, sub="a")).needs.tzdata is True
    assert inspect(go_module({"main.go": utc}, sub="b")).needs.tzdata is False
    facts = inspect(go_module({"main.go": embedded}, sub="c"))
    assert (facts.needs.tzdata, facts.needs.tzdata_embedded) == (False, True)
    tagged = inspect(go_module({"main.go": uses}, sub="d"), tags="timetzdata")
    assert tagged.needs.tzdata is False


def test_embed_patterns_are_not_runtime_files(go_module: GoModule) -> None:
    src = """
    package main

    import (
        "embed"
        "html/template"
        "net/http"
    )

    //go:embed static
    var static embed.FS

    //go:embed templates/*.html
    var tpl embed.FS

    func main() {
        t := template.Must(template.ParseFS(tpl, "templates/*.html"))
        _ = t
        http.Handle("/static/", http.FileServer(http.FS(static)))
        http.ListenAndServe(":8080", nil)
    }
    """
    root = go_module({"main.go": src, "static/app.css": "body{}", "templates/index.html": "<p>"})
    facts = inspect(root)
    assert sorted(facts.needs.embedded) == ["static", "templates/*.html"]
    assert facts.needs.runtime_files == []
    assert {e.line for e in facts.evidence if e.fact == "embed"} == {9, 12}


def test_cgo_in_own_code(go_module: GoModule) -> None:
    src = 'package main\n\n// int one() { return 1; }\nimport "C"\nimport "fmt"\n\nfunc main() { fmt.Println(C.one()) }\n'
    facts = inspect(go_module({"main.go": src}), compile_check=False)
    assert facts.needs.cgo is True
    assert facts.needs.cgo_packages == ["example.com/svc"]


def test_workspace(tmp_path: Path) -> None:
    write_tree(
        tmp_path / "ws",
        {
            "go.work": "go 1.22\n\nuse (\n\t./api\n\t./lib\n)\n",
            "api/go.mod": "module example.com/api\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n",
            "api/main.go": 'package main\nimport (\n"net/http"\n"example.com/lib"\n)\n'
            "func main() { http.ListenAndServe(lib.Addr(), nil) }\n",
            "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
            "lib/lib.go": 'package lib\nimport "os"\nfunc Addr() string {\n'
            ' if p := os.Getenv("LIB_PORT"); p != "" { return ":" + p }\n return ":8181"\n}\n',
        },
    )
    facts = inspect(tmp_path / "ws")
    assert facts.workspace is True
    assert facts.module == "example.com/api"
    assert [m.package for m in facts.mains] == ["example.com/api"]
    assert (facts.service.port, facts.service.port_env) == (8181, "LIB_PORT")
    assert any(e.file == "lib/lib.go" for e in facts.evidence if e.fact == "env")


def test_replace_with_local_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/greet v0.0.0\n\n"
            "replace example.com/greet => ../greet\n",
            "app/main.go": 'package main\nimport (\n"net/http"\n"example.com/greet"\n)\n'
            'func main() { http.HandleFunc("/healthz", greet.Handler); http.ListenAndServe(":8000", nil) }\n',
            "greet/go.mod": "module example.com/greet\n\ngo 1.22\n",
            "greet/greet.go": 'package greet\nimport (\n"net/http"\n"os"\n)\n'
            'func Handler(w http.ResponseWriter, r *http.Request) { w.Write([]byte(os.Getenv("GREETING"))) }\n',
        },
    )
    facts = inspect(tmp_path / "app")
    assert facts.service.port == 8000
    assert [e.name for e in facts.env] == ["GREETING"]
    assert facts.service.health_path == "/healthz"


# -- bad input ----------------------------------------------------------------------------------
def test_no_gomod(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    with pytest.raises(ProjectError) as exc:
        inspect(tmp_path)
    assert "no go.mod" in exc.value.message and "go mod init" in (exc.value.hint or "")


def test_bad_gomod(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "go.mod": "module example.com/x\n\ngo 1.22\nfrobnicate yes\n",
            "main.go": "package main\nfunc main() {}\n",
        },
    )
    with pytest.raises(ProjectError) as exc:
        inspect(tmp_path)
    assert "go.mod" in exc.value.message and "unknown directive" in exc.value.message


@pytest.mark.parametrize("compile_check", [True, False])
def test_syntax_error(go_module: GoModule, compile_check: bool) -> None:
    root = go_module({"main.go": "package main\n\nfunc main() {\n\tx := \n}\n"})
    with pytest.raises(ProjectError) as exc:
        inspect(root, compile_check=compile_check)
    assert "main.go:5:1" in exc.value.message


def test_type_error(go_module: GoModule) -> None:
    root = go_module({"main.go": "package main\n\nfunc main() {\n\tundefinedThing()\n}\n"})
    with pytest.raises(ProjectError) as exc:
        inspect(root)
    assert "undefined: undefinedThing" in exc.value.message and "main.go:4" in exc.value.message


def test_missing_dependency(go_module: GoModule) -> None:
    root = go_module(
        {"main.go": 'package main\nimport _ "example.com/not/there"\nfunc main() {}\n'}
    )
    with pytest.raises(ProjectError) as exc:
        inspect(root)
    assert "example.com/not/there" in exc.value.message


def test_no_main_package(go_module: GoModule) -> None:
    root = go_module({"lib.go": "package lib\n\nfunc X() int { return 1 }\n"})
    with pytest.raises(ProjectError) as exc:
        inspect(root)
    assert "no main package" in exc.value.message


def test_cli_exit_codes_and_messages(
    go_module: GoModule, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["inspect", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert run(["inspect", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no go.mod" in err and "fix:" in err and "Traceback" not in err


def test_no_go_toolchain(
    go_module: GoModule, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from goship.gobuild import toolchain

    root = go_module({"main.go": SERVER})
    monkeypatch.setenv("GOSHIP_GO", str(root / "no-such-go"))
    toolchain.find_go.cache_clear()
    try:
        assert run(["inspect", str(root)]) == 3
    finally:
        toolchain.find_go.cache_clear()
    assert "GOSHIP_GO" in capsys.readouterr().err


def test_json_contract(go_module: GoModule, capsys: pytest.CaptureFixture[str]) -> None:
    root = go_module({"main.go": SERVER})
    assert run(["inspect", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[:8] == [
        "module",
        "go_version",
        "mains",
        "service",
        "needs",
        "env",
        "backing_services",
        "evidence",
    ]
    assert set(data["service"]) >= {"main", "framework", "port", "port_env", "health_path"}
    assert set(data["needs"]) >= {"ca_certificates", "tzdata", "cgo", "runtime_files", "embedded"}
    assert set(data["mains"][0]) == {"package", "dir", "serves"}
    assert set(data["env"][0]) == {"name", "default"}
    assert all(set(e) == {"fact", "file", "line", "detail"} for e in data["evidence"])


def test_text_output_shows_evidence(
    go_module: GoModule, capsys: pytest.CaptureFixture[str]
) -> None:
    root = go_module({"main.go": SERVER})
    assert run(["inspect", str(root)]) == 0
    out = capsys.readouterr().out
    assert "net/http" in out and "8080" in out and "main.go:15" in out and "/healthz" in out


def test_go_version_newer_than_toolchain(
    go_module: GoModule, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = go_module({"main.go": "package main\n\nfunc main() {}\n"}, go="1.99")
    monkeypatch.setenv("GOTOOLCHAIN", "local")
    assert run(["inspect", str(root)]) == 3
    err = capsys.readouterr().err
    assert "newer Go" in err and "1.99" in err


def test_server_started_from_a_command_variable(go_module: GoModule) -> None:
    """cobra-style: the server starts from a func literal in a package-level variable."""
    cmds = """
    package cmd
    import "example.com/svc/internal/server"
    type Command struct{ Run func() error }
    var serveCmd = &Command{Run: func() error { return server.Serve() }}
    func Execute() error { return serveCmd.Run() }
    """
    server = """
    package server
    import "net/http"
    func Serve() error { return http.ListenAndServe(":8877", nil) }
    """
    main = 'package main\nimport "example.com/svc/cmd"\nfunc main() { _ = cmd.Execute() }\n'
    root = go_module({"cmd/root.go": cmds, "internal/server/server.go": server, "main.go": main})
    facts = inspect(root)
    assert facts.mains[0].serves is True
    assert facts.service.port == 8877


def test_without_c_compiler_type_errors_are_still_found(
    go_module: GoModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goship.project import golist

    monkeypatch.setattr(golist, "has_c_compiler", lambda: False)
    src = 'package main\n\n// int one() { return 1; }\nimport "C"\nimport "fmt"\n\nfunc main() { fmt.Println(C.one()) }\n'
    facts = inspect(go_module({"main.go": src, "pure/p.go": "package pure\n"}, sub="a"))
    assert facts.needs.cgo is True  # cgo files still seen
    assert any("cgo" in w for w in facts.warnings)
    bad = go_module({"main.go": "package main\n\nfunc main() {\n\tundefinedThing()\n}\n"}, sub="b")
    with pytest.raises(ProjectError) as exc:
        inspect(bad)
    assert "undefinedThing" in exc.value.message
