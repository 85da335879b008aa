package cache

import "container/list"

// LRU is a fixed-size least-recently-used cache. It is not safe for concurrent use: callers that share one
// between goroutines must hold their own lock.
type LRU struct {
	size  int
	order *list.List
	items map[string]*list.Element
}

type entry struct {
	key   string
	value any
}

func New(size int) *LRU {
	return &LRU{size: size, order: list.New(), items: make(map[string]*list.Element)}
}

func (c *LRU) Get(key string) (any, bool) {
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry).value, true
	}
	return nil, false
}

func (c *LRU) Set(key string, value any) {
	if el, ok := c.items[key]; ok {
		el.Value.(*entry).value = value
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry{key, value})
	if c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*entry).key)
	}
}
