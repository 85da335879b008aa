package store

// Item is one stock-keeping unit.
type Item struct {
	ID         string
	SKU        string
	Quantity   int
	Reserved   int
	PriceCents int64
}

// Available is what can still be reserved.
func (i Item) Available() int {
	return i.Quantity - i.Reserved
}
