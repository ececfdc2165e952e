package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp, body
}

func TestRoutes(t *testing.T) {
	srv := httptest.NewServer(newMux())
	defer srv.Close()

	resp, body := get(t, srv, "/healthz")
	if resp.StatusCode != http.StatusOK || body["status"] != "ok" {
		t.Fatalf("healthz: %d %v", resp.StatusCode, body)
	}

	resp, body = get(t, srv, "/api/time")
	if resp.StatusCode != http.StatusOK || body["tz"] != "UTC" || body["utc_offset_seconds"] != 0.0 {
		t.Fatalf("time default: %d %v", resp.StatusCode, body)
	}

	resp, body = get(t, srv, "/api/time?tz=Asia/Kolkata")
	if resp.StatusCode != http.StatusOK || body["utc_offset_seconds"] != 19800.0 {
		t.Fatalf("time Asia/Kolkata: %d %v", resp.StatusCode, body)
	}

	resp, _ = get(t, srv, "/api/time?tz=Mars/Olympus")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown zone: status %d, want 400", resp.StatusCode)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	srv := httptest.NewServer(newMux())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want 405", resp.StatusCode)
	}
}

func TestListenAddr(t *testing.T) {
	t.Setenv("ADDR", ":9999")
	if got := listenAddr(":8080"); got != ":9999" {
		t.Fatalf("listenAddr with $ADDR = %q, want :9999", got)
	}
	t.Setenv("ADDR", "")
	if got := listenAddr(":8080"); got != ":8080" {
		t.Fatalf("listenAddr without $ADDR = %q, want :8080", got)
	}
}
