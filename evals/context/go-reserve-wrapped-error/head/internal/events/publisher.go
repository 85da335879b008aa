package events

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
)

// Publisher sends events to the message bus.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}

type httpPublisher struct {
	client *http.Client
	base   string
}

func NewHTTPPublisher(client *http.Client, base string) Publisher {
	return &httpPublisher{client: client, base: base}
}

func (p *httpPublisher) Publish(ctx context.Context, topic string, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/topics/"+topic, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("publish %s: status %d", topic, resp.StatusCode)
	}
	return nil
}
