-- Up Migration
-- The enterprise's notices, stored before they are sent. seq gives the order per recipient; a notice is
-- claimed (claimed_by, claimed_until) by the instance sending it, so that however many run, one sends it;
-- a claim left by an instance that died expires. Times are the service's clock in milliseconds.
CREATE TABLE outbox (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  recipient text NOT NULL,
  target_kind text NOT NULL,
  target jsonb NOT NULL,
  notice jsonb NOT NULL,
  created_at bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'held', 'sent', 'dropped')),
  attempts integer NOT NULL DEFAULT 0,
  next_at bigint NOT NULL,
  done_at bigint,
  claimed_by text,
  claimed_until bigint
);
-- The first notice not yet through of each recipient, found without reading what was sent.
CREATE INDEX outbox_open ON outbox (recipient, seq) WHERE state IN ('pending', 'held');
-- The soonest backoff, for the timer.
CREATE INDEX outbox_waiting ON outbox (next_at) WHERE state = 'pending';
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;

-- Down Migration
DROP TABLE outbox;
