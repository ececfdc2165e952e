// Command stdlib-api is a small JSON API built on net/http alone.
//
// It listens on the address given by the -addr flag (default ":8080"); when the
// flag is not given on the command line, the ADDR environment variable is used
// instead if it is set. Precedence: -addr flag, then $ADDR, then ":8080".
//
// Routes:
//
//	GET /healthz                   200 {"status":"ok"}
//	GET /api/time?tz=Europe/Paris  current time in an IANA time zone (default UTC)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const shutdownTimeout = 5 * time.Second

func main() {
	addr := flag.String("addr", ":8080", "listen address (when not given, $ADDR is used if set)")
	flag.Parse()

	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)

	if err := run(listenAddr(*addr), logger); err != nil {
		logger.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// listenAddr applies the documented precedence: an explicit -addr flag wins,
// then the ADDR environment variable, then the flag's default.
func listenAddr(flagValue string) string {
	explicit := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "addr" {
			explicit = true
		}
	})
	if !explicit {
		if env := os.Getenv("ADDR"); env != "" {
			return env
		}
	}
	return flagValue
}

func run(addr string, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv := &http.Server{
		Addr:              addr,
		Handler:           logRequests(logger, newMux()),
		ReadHeaderTimeout: 5 * time.Second,
	}

	errc := make(chan error, 1)
	go func() {
		logger.Info("listening", "addr", addr)
		errc <- srv.ListenAndServe()
	}()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("bye")
	return nil
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/time", handleTime)
	return mux
}

type timeResponse struct {
	TimeZone string `json:"tz"`
	Time     string `json:"time"`
	Offset   int    `json:"utc_offset_seconds"`
	Unix     int64  `json:"unix"`
}

// handleTime reports the current time in the zone named by ?tz= (IANA name,
// default UTC). Zone data is read from the system zoneinfo database.
func handleTime(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("tz")
	if name == "" {
		name = "UTC"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown time zone: " + name})
		return
	}
	now := time.Now().In(loc)
	_, offset := now.Zone()
	writeJSON(w, http.StatusOK, timeResponse{
		TimeZone: loc.String(),
		Time:     now.Format(time.RFC3339),
		Offset:   offset,
		Unix:     now.Unix(),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusRecorder remembers the status code written by a handler.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Info("request",
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"duration_ms", time.Since(start).Milliseconds(),
		)
	})
}
