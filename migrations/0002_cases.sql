-- Up Migration
-- The cases (src/cases/pg-store.ts): the record as it is, and beside it what lists and the desk's search
-- filter on, kept from the record on every write, so that no query reads the records to decide.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE cases (
  reference text PRIMARY KEY,
  record jsonb NOT NULL,
  -- Counts the writes of the row.
  version integer NOT NULL DEFAULT 1,
  -- The Beijing creation date the reference carries (created_at is UTC).
  created_on date NOT NULL,
  -- The order of creation, for "newest first" within a day.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  status text NOT NULL,
  procedures text[] NOT NULL,
  callback_open boolean NOT NULL,
  has_contact boolean NOT NULL,
  created_at timestamptz NOT NULL,
  -- caseSearchText (src/cases/search-text.ts): folded (NFKC, lower case) in the service, matched with LIKE.
  search text NOT NULL,
  -- The mobile number's digits, for a number as written.
  phone text
);
CREATE INDEX cases_newest ON cases (created_on DESC, seq DESC);
CREATE INDEX cases_status ON cases (status, created_on DESC, seq DESC);
CREATE INDEX cases_procedures ON cases USING gin (procedures);
CREATE INDEX cases_callback ON cases (created_on DESC, seq DESC) WHERE callback_open;
-- fastupdate off: a write updates the index itself, rather than a pending list that some later write
-- pays to fold in (a create's p99 would grow with the store).
CREATE INDEX cases_search ON cases USING gin (search gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX cases_phone ON cases USING gin (phone gin_trgm_ops) WITH (fastupdate = off);

-- Down Migration
DROP TABLE cases;
