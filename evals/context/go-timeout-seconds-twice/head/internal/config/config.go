package config

import (
	"os"
	"strconv"
	"time"
)

// Config is the server's configuration, read from the environment.
type Config struct {
	Addr        string
	DatabaseURL string
	// UpstreamTimeout is already a duration: UPSTREAM_TIMEOUT_SECONDS=5 gives 5 * time.Second.
	UpstreamTimeout time.Duration
	CacheSize       int
}

func Load() (Config, error) {
	seconds, err := strconv.Atoi(getenv("UPSTREAM_TIMEOUT_SECONDS", "5"))
	if err != nil {
		return Config{}, err
	}
	size, err := strconv.Atoi(getenv("CACHE_SIZE", "1024"))
	if err != nil {
		return Config{}, err
	}
	return Config{
		Addr:            getenv("ADDR", ":8080"),
		DatabaseURL:     getenv("DATABASE_URL", "postgres://localhost/inventory?sslmode=disable"),
		UpstreamTimeout: time.Duration(seconds) * time.Second,
		CacheSize:       size,
	}, nil
}

func getenv(key, fallback string) string {
	if value, ok := os.LookupEnv(key); ok {
		return value
	}
	return fallback
}
