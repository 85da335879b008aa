package money

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatCents renders an amount in cents as dollars: FormatCents(1250) is "$12.50".
func FormatCents(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s$%d.%02d", sign, cents/100, cents%100)
}

// ParseAmount reads "12.50" as 1250 cents.
func ParseAmount(text string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(text), ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", text, err)
	}
	frac = (frac + "00")[:2]
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", text, err)
	}
	return w*100 + f, nil
}
