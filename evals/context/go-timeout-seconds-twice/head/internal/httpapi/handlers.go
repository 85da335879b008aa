package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"example.com/inventory/internal/inventory"
	"example.com/inventory/internal/store"
)

// Handler serves the inventory API.
type Handler struct {
	store *store.Store
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (h *Handler) reserveItem(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "n must be a number"})
		return
	}
	err = inventory.Reserve(r.Context(), h.store, r.PathValue("id"), n)
	if err == store.ErrNotFound {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "not enough stock"})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
