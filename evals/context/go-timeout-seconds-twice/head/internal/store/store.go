package store

import (
	"context"
	"database/sql"
	"errors"
)

// ErrNotFound is returned by writes to an item that does not exist.
var ErrNotFound = errors.New("item not found")

// Store reads and writes items.
type Store struct {
	db *sql.DB
}

func New(db *sql.DB) *Store {
	return &Store{db: db}
}

// GetItem returns the item, or (nil, nil) when there is no item with that id.
func (s *Store) GetItem(ctx context.Context, id string) (*Item, error) {
	var item Item
	err := s.db.QueryRowContext(ctx,
		"SELECT id, sku, quantity, reserved, price_cents FROM items WHERE id = $1", id,
	).Scan(&item.ID, &item.SKU, &item.Quantity, &item.Reserved, &item.PriceCents)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &item, nil
}

// AddReserved changes an item's reserved count by delta.
func (s *Store) AddReserved(ctx context.Context, id string, delta int) error {
	res, err := s.db.ExecContext(ctx,
		"UPDATE items SET reserved = reserved + $2 WHERE id = $1 AND quantity >= reserved + $2", id, delta)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ListIDs returns every item id.
func (s *Store) ListIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM items ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
