-- Up Migration
-- Direct Line conversations served by any instance. Times are milliseconds since the epoch as the
-- service's clock gives them; address and network are sha256 digests of the client's (only counted, never
-- shown); last_seq is the watermark of the latest activity.
CREATE TABLE directline_conversations (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  locale text,
  lang text,
  started boolean NOT NULL DEFAULT false,
  last_seq integer NOT NULL DEFAULT 0,
  last_timestamp bigint NOT NULL DEFAULT 0,
  last_active bigint NOT NULL,
  bytes integer NOT NULL DEFAULT 0,
  address text NOT NULL,
  network text NOT NULL
);
CREATE INDEX directline_conversations_last_active ON directline_conversations (last_active);
CREATE INDEX directline_conversations_address ON directline_conversations (address);
CREATE INDEX directline_conversations_network ON directline_conversations (network);

-- A conversation's transcript: each activity as the JSON text it is sent as, seq being its watermark.
CREATE TABLE directline_activities (
  conversation_id text NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  json text NOT NULL,
  bytes integer NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);

-- Down Migration
DROP TABLE directline_activities;
DROP TABLE directline_conversations;
