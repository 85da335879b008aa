package worker

import (
	"context"
	"encoding/json"
	"sync"

	"example.com/inventory/internal/cache"
	"example.com/inventory/internal/events"
	"example.com/inventory/internal/store"
)

// SyncAll publishes every item's stock level whose availability changed since the last sync.
func SyncAll(ctx context.Context, s *store.Store, p events.Publisher, last *cache.LRU) error {
	ids, err := s.ListIDs(ctx)
	if err != nil {
		return err
	}
	work := make(chan string)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				item, err := s.GetItem(ctx, id)
				if err != nil || item == nil {
					continue
				}
				if seen, ok := last.Get(id); ok && seen.(int) == item.Available() {
					continue
				}
				payload, _ := json.Marshal(map[string]any{"id": item.ID, "available": item.Available()})
				if err := p.Publish(ctx, "stock", payload); err != nil {
					errs <- err
					continue
				}
				last.Set(id, item.Available())
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	close(errs)
	return <-errs
}
