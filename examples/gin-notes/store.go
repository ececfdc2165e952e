package main

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"time"
)

// Note is one note as stored and as returned by the API.
type Note struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// ErrNotFound is returned by Get when no note has the requested id.
var ErrNotFound = errors.New("note not found")

// Store keeps notes.
type Store interface {
	Kind() string
	List(ctx context.Context) ([]Note, error)
	Get(ctx context.Context, id int64) (Note, error)
	Create(ctx context.Context, title, body string) (Note, error)
	Ping(ctx context.Context) error
}

// MemoryStore keeps notes in process memory; they are lost on restart.
type MemoryStore struct {
	mu     sync.RWMutex
	nextID int64
	notes  []Note
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{nextID: 1} }

func (s *MemoryStore) Kind() string { return "memory" }

func (s *MemoryStore) List(context.Context) ([]Note, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Clone(s.notes)
	slices.Reverse(out) // newest first, like the SQL store
	return out, nil
}

func (s *MemoryStore) Get(_ context.Context, id int64) (Note, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.notes {
		if n.ID == id {
			return n, nil
		}
	}
	return Note{}, ErrNotFound
}

func (s *MemoryStore) Create(_ context.Context, title, body string) (Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := Note{ID: s.nextID, Title: title, Body: body, CreatedAt: time.Now().UTC()}
	s.nextID++
	s.notes = append(s.notes, n)
	return n, nil
}

func (s *MemoryStore) Ping(context.Context) error { return nil }

// SQLStore keeps notes in PostgreSQL.
type SQLStore struct {
	db *sql.DB
}

const schema = `CREATE TABLE IF NOT EXISTS notes (
	id         BIGSERIAL PRIMARY KEY,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`

// NewSQLStore checks the connection and creates the notes table if needed.
func NewSQLStore(ctx context.Context, db *sql.DB) (*SQLStore, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, err
	}
	return &SQLStore{db: db}, nil
}

func (s *SQLStore) Kind() string { return "postgres" }

func (s *SQLStore) List(ctx context.Context) ([]Note, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, title, body, created_at FROM notes ORDER BY id DESC LIMIT 100`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	notes := []Note{}
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.Title, &n.Body, &n.CreatedAt); err != nil {
			return nil, err
		}
		notes = append(notes, n)
	}
	return notes, rows.Err()
}

func (s *SQLStore) Get(ctx context.Context, id int64) (Note, error) {
	var n Note
	err := s.db.QueryRowContext(ctx,
		`SELECT id, title, body, created_at FROM notes WHERE id = $1`, id,
	).Scan(&n.ID, &n.Title, &n.Body, &n.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, ErrNotFound
	}
	return n, err
}

func (s *SQLStore) Create(ctx context.Context, title, body string) (Note, error) {
	n := Note{Title: title, Body: body}
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id, created_at`, title, body,
	).Scan(&n.ID, &n.CreatedAt)
	return n, err
}

func (s *SQLStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
