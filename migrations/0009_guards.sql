-- Up Migration
-- Wrong answers to the last four digits, per case reference whatever the instance: the times of the
-- failures still in the window (milliseconds) and, once there were too many, until when it is locked.
CREATE TABLE digit_checks (
  reference text PRIMARY KEY,
  failures bigint[] NOT NULL DEFAULT '{}',
  locked_until bigint
);

-- New cases per client and Beijing day, counted across the instances. client is the sha256 of the
-- conversation's key (user ids and openids are not stored as they are).
CREATE TABLE case_quota (
  day text NOT NULL,
  client text NOT NULL,
  used integer NOT NULL,
  PRIMARY KEY (day, client)
);

-- Down Migration
DROP TABLE case_quota;
DROP TABLE digit_checks;
