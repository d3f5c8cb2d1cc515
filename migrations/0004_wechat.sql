-- Up Migration
-- WeChat's retries of one push may land on any instance: the first inserts the claim, runs the turn and
-- stores its parts; the others wait for them. key is a sha256 digest of the message's key (it names the
-- sender's openid); times are milliseconds since the epoch.
CREATE TABLE wechat_answers (
  key text PRIMARY KEY,
  parts jsonb,
  via text CHECK (via IN ('passive', 'api')),
  follow_ups boolean NOT NULL DEFAULT false,
  expires_at bigint NOT NULL
);
CREATE INDEX wechat_answers_expires_at ON wechat_answers (expires_at);

-- The (timestamp, nonce) pairs seen, with a digest of the message each signed: a pair signing another
-- message is a replay, on whichever instance it arrives.
CREATE TABLE wechat_nonces (
  pair text PRIMARY KEY,
  message text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX wechat_nonces_expires_at ON wechat_nonces (expires_at);

-- Down Migration
DROP TABLE wechat_nonces;
DROP TABLE wechat_answers;
