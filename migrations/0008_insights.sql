-- Up Migration
-- What content owners read: messages not understood, already scrubbed of personal data (the latest kept,
-- the rest dropped), and "was this helpful?" counted per procedure (or rule:<id>), across the instances.
CREATE TABLE insights_not_understood (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  text text NOT NULL,
  question text,
  lang text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX insights_not_understood_at ON insights_not_understood (at);

CREATE TABLE insights_feedback (
  key text PRIMARY KEY,
  helpful integer NOT NULL DEFAULT 0,
  not_helpful integer NOT NULL DEFAULT 0
);

-- Down Migration
DROP TABLE insights_feedback;
DROP TABLE insights_not_understood;
