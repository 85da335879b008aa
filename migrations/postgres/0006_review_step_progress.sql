-- The steps a running review plans and when each started, so the dashboard shows queued, running and finished
-- steps live. Finished steps are `review_steps` rows (matched by name); a step here without one is running when
-- it has a start time and queued when it has none.
CREATE TABLE review_step_progress (
  review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  started_at BIGINT,
  PRIMARY KEY (review_id, name)
);
