-- Up Migration
-- No query reads the phone column: the desk's search finds a number as written in the search text,
-- which holds the mobile's digits (src/cases/search-text.ts). Its trigram index was work on every create
-- and every update for nothing. An instance of an earlier version still writes the column: stop them all first.
DROP INDEX IF EXISTS cases_phone;
ALTER TABLE cases DROP COLUMN IF EXISTS phone;

-- Down Migration
ALTER TABLE cases ADD COLUMN phone text;
UPDATE cases SET phone = regexp_replace(record->'contact'->>'mobile', '\D', '', 'g') WHERE record->'contact' ? 'mobile';
CREATE INDEX cases_phone ON cases USING gin (phone gin_trgm_ops) WITH (fastupdate = off);
