-- Up Migration
-- A case's record (some 2.4 KB of jsonb) is compressed when it is inserted or changed: with pglz that was
-- a fifteenth of PostgreSQL's work a turn at 50 conversations at once, where lz4 takes a fraction of it
-- (the conversations' state has been lz4 since 0010). Rows already stored keep their compression; every
-- version reads both. A server built without lz4 keeps pglz.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE cases ALTER COLUMN record SET COMPRESSION lz4;
  END IF;
END
$$;

-- Down Migration
ALTER TABLE cases ALTER COLUMN record SET COMPRESSION default;
