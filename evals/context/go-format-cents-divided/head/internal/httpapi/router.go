package httpapi

import (
	"net/http"

	"example.com/inventory/internal/store"
)

func NewRouter(s *store.Store) http.Handler {
	h := &Handler{store: s}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items/{id}/reserve", h.reserveItem)
	return mux
}
