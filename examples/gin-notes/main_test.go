package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.TestMode)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := httptest.NewServer(newRouter(NewMemoryStore(), logger))
	t.Cleanup(srv.Close)
	return srv
}

func TestHealthz(t *testing.T) {
	srv := newTestServer(t)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body["status"] != "ok" {
		t.Fatalf("body = %v", body)
	}
}

func TestCreateGetAndList(t *testing.T) {
	srv := newTestServer(t)

	resp, err := http.Post(srv.URL+"/api/notes", "application/json",
		strings.NewReader(`{"title":"groceries","body":"milk"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created Note
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.ID != 1 || created.Title != "groceries" {
		t.Fatalf("create: status %d, note %+v", resp.StatusCode, created)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/notes/1" {
		t.Fatalf("Location = %q", loc)
	}

	resp, err = http.Get(srv.URL + "/api/notes/1")
	if err != nil {
		t.Fatal(err)
	}
	var got Note
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Body != "milk" {
		t.Fatalf("get: %+v", got)
	}

	resp, err = http.Get(srv.URL + "/api/notes")
	if err != nil {
		t.Fatal(err)
	}
	var all []Note
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(all) != 1 {
		t.Fatalf("list: %+v", all)
	}
}

func TestBadInput(t *testing.T) {
	srv := newTestServer(t)
	cases := []struct {
		method, path, body string
		want               int
	}{
		{http.MethodPost, "/api/notes", `{"title":"  "}`, http.StatusBadRequest},
		{http.MethodPost, "/api/notes", `not json`, http.StatusBadRequest},
		{http.MethodGet, "/api/notes/abc", "", http.StatusBadRequest},
		{http.MethodGet, "/api/notes/42", "", http.StatusNotFound},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
}

func TestIndexPageAndStatic(t *testing.T) {
	srv := newTestServer(t)
	for path, want := range map[string]string{
		"/":                 "<h1>Notes</h1>",
		"/static/style.css": "--accent",
		"/static/app.js":    "/api/notes",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("%s: status %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
}
