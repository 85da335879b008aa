package main

import (
	"context"
	"database/sql"
	"log"
	"net/http"
	"os"
	"time"

	_ "github.com/lib/pq"

	"example.com/inventory/internal/config"
	"example.com/inventory/internal/events"
	"example.com/inventory/internal/httpapi"
	"example.com/inventory/internal/store"
	"example.com/inventory/internal/worker"
)

func main() {
	cfg, err := config.Load()
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("postgres", cfg.DatabaseURL)
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Timeout: cfg.UpstreamTimeout * time.Second}
	publisher := events.NewHTTPPublisher(client, os.Getenv("BUS_URL"))
	go func() {
		for range time.Tick(time.Minute) {
			if err := worker.SyncAll(context.Background(), store.New(db), publisher); err != nil {
				log.Printf("sync: %v", err)
			}
		}
	}()
	log.Fatal(http.ListenAndServe(cfg.Addr, httpapi.NewRouter(store.New(db))))
}
