package inventory

import (
	"context"
	"errors"

	"example.com/inventory/internal/store"
)

// ErrInsufficient means the item has fewer units available than asked for.
var ErrInsufficient = errors.New("insufficient stock")

// Reserve holds n units of an item.
func Reserve(ctx context.Context, s *store.Store, id string, n int) error {
	if n <= 0 {
		return errors.New("reserve: n must be positive")
	}
	err := s.AddReserved(ctx, id, n)
	if err == store.ErrNotFound {
		return err
	}
	return err
}
