-- Up Migration
-- Certificate reminders. data is the whole reminder (schema in src/notify/reminders.ts); client is the
-- conversation that asked for it (where 取消提醒 cancels it); next_on is its first day not yet queued
-- (a Beijing date, YYYY-MM-DD), null once every day is queued, so that a send reads only what is due.
CREATE TABLE reminders (
  id text PRIMARY KEY,
  client text NOT NULL,
  cancelled boolean NOT NULL DEFAULT false,
  next_on text,
  data jsonb NOT NULL
);
CREATE INDEX reminders_client ON reminders (client);
CREATE INDEX reminders_due ON reminders (next_on) WHERE NOT cancelled AND next_on IS NOT NULL;

-- Down Migration
DROP TABLE reminders;
