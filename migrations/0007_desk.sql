-- Up Migration
-- The desk's agent accounts: a password hash only (scrypt, never the password); changed_at moves with every
-- new password or disabling, so that sessions opened before it end. Times are ISO strings, as in agents.json.
CREATE TABLE desk_agents (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('agent', 'supervisor')),
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at text NOT NULL,
  changed_at text NOT NULL
);

-- The desk's sessions, for a SessionStore shared by the instances: the key is the hash of the session id
-- (the cookie's value is never stored); data holds what else a session carries (language, last seen,
-- the account's changed_at when it began).
CREATE TABLE desk_sessions (
  id_hash text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL,
  csrf text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX desk_sessions_expires_at ON desk_sessions (expires_at);
CREATE INDEX desk_sessions_name ON desk_sessions (name);

-- Down Migration
DROP TABLE desk_sessions;
DROP TABLE desk_agents;
