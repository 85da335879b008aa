package worker

import (
	"context"
	"encoding/json"

	"example.com/inventory/internal/events"
	"example.com/inventory/internal/store"
)

// SyncAll publishes every item's stock level.
func SyncAll(ctx context.Context, s *store.Store, p events.Publisher) error {
	ids, err := s.ListIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		item, err := s.GetItem(ctx, id)
		if err != nil || item == nil {
			continue
		}
		payload, _ := json.Marshal(map[string]any{"id": item.ID, "available": item.Available()})
		if err := p.Publish(ctx, "stock", payload); err != nil {
			return err
		}
	}
	return nil
}
