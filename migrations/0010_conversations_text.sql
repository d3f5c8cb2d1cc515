-- Up Migration
-- The service reads and writes a conversation's state whole, every turn: kept as JSON text, parsed in
-- node, PostgreSQL no longer parses and prints jsonb on each turn. Pages left 30% free let a turn's
-- update stay on its page (a HOT update), which needs no index to point at the row's new version:
-- the updated_at index goes, and the hourly sweep reads the table through instead.
-- An instance of an earlier version would read the text as a string, not a state: stop them all first.
ALTER TABLE conversations SET (fillfactor = 70), ALTER COLUMN state TYPE text USING state::text;
DROP INDEX conversations_updated_at;
-- lz4 compresses a long state several times faster than pglz; a server built without it keeps pglz.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE conversations ALTER COLUMN state SET COMPRESSION lz4;
  END IF;
END
$$;

-- Down Migration
ALTER TABLE conversations ALTER COLUMN state SET COMPRESSION default;
ALTER TABLE conversations RESET (fillfactor), ALTER COLUMN state TYPE jsonb USING state::jsonb;
CREATE INDEX conversations_updated_at ON conversations (updated_at);
