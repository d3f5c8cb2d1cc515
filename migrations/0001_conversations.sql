-- Up Migration
-- A conversation's state between turns. id is the sha256 of the channel's key (user ids, openids are
-- never stored as they are); version counts the turns written, so a write that lost a race is seen.
CREATE TABLE conversations (
  id text PRIMARY KEY,
  state jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_updated_at ON conversations (updated_at);

-- Down Migration
DROP TABLE conversations;
