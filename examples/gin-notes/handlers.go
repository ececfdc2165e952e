package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

const maxTitleLen = 200

type createNoteRequest struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// newRouter wires the routes. Templates and static assets are read from the
// working directory at run time.
func newRouter(store Store, logger *slog.Logger) *gin.Engine {
	r := gin.New()
	_ = r.SetTrustedProxies(nil)
	r.Use(requestLogger(logger), gin.Recovery())

	r.LoadHTMLGlob("templates/*")
	r.Static("/static", "./static")

	h := &handlers{store: store, logger: logger}
	r.GET("/", h.index)
	r.GET("/healthz", h.health)

	api := r.Group("/api")
	api.GET("/notes", h.listNotes)
	api.POST("/notes", h.createNote)
	api.GET("/notes/:id", h.getNote)
	return r
}

type handlers struct {
	store  Store
	logger *slog.Logger
}

func (h *handlers) index(c *gin.Context) {
	notes, err := h.store.List(c.Request.Context())
	if err != nil {
		h.fail(c, err)
		return
	}
	c.HTML(http.StatusOK, "index.html", gin.H{"Notes": notes, "Store": h.store.Kind()})
}

func (h *handlers) health(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (h *handlers) listNotes(c *gin.Context) {
	notes, err := h.store.List(c.Request.Context())
	if err != nil {
		h.fail(c, err)
		return
	}
	if notes == nil {
		notes = []Note{}
	}
	c.JSON(http.StatusOK, notes)
}

func (h *handlers) getNote(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "id must be a positive integer"})
		return
	}
	note, err := h.store.Get(c.Request.Context(), id)
	if errors.Is(err, ErrNotFound) {
		c.JSON(http.StatusNotFound, gin.H{"error": err.Error()})
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, note)
}

func (h *handlers) createNote(c *gin.Context) {
	var req createNoteRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "body must be JSON: {\"title\": ..., \"body\": ...}"})
		return
	}
	req.Title = strings.TrimSpace(req.Title)
	if req.Title == "" || len(req.Title) > maxTitleLen {
		c.JSON(http.StatusBadRequest, gin.H{"error": "title is required (at most 200 bytes)"})
		return
	}
	note, err := h.store.Create(c.Request.Context(), req.Title, req.Body)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Location", "/api/notes/"+strconv.FormatInt(note.ID, 10))
	c.JSON(http.StatusCreated, note)
}

func (h *handlers) fail(c *gin.Context, err error) {
	h.logger.Error("request failed", "path", c.FullPath(), "error", err)
	c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
}

// requestLogger logs one JSON line per request.
func requestLogger(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		logger.Info("request",
			"method", c.Request.Method,
			"path", c.Request.URL.Path,
			"status", c.Writer.Status(),
			"duration_ms", time.Since(start).Milliseconds(),
			"client_ip", c.ClientIP(),
		)
	}
}
