#include "eventstore/postgres/schema.h"

#include <string>

#include "eventstore/postgres/postgres_event_store.h"

namespace orgledger::eventstore::pg {
namespace {

// Any constant: the advisory lock that serializes schema creation.
constexpr char kSchemaLock[] = "SELECT pg_advisory_xact_lock(7426730981)";

// Tables (version 1, but for its orgledger_streams table). Streams and keys
// are bytea: the store accepts any bytes but
// NUL in a stream id, which text columns would reject as bad UTF-8.
constexpr char kCreateV1[] = R"sql(
CREATE TABLE IF NOT EXISTS orgledger_meta (
  key   text PRIMARY KEY,
  value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS orgledger_head (
  id       int PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL,
  hash     bytea NOT NULL);
INSERT INTO orgledger_head VALUES (1, 0, decode(repeat('00', 32), 'hex'))
  ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS orgledger_log (
  position bigint PRIMARY KEY,
  stream   bytea NOT NULL,
  version  bigint NOT NULL,
  record   bytea NOT NULL,
  UNIQUE (stream, version));
CREATE TABLE IF NOT EXISTS orgledger_outcomes (
  key   bytea PRIMARY KEY,
  value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS orgledger_snapshots (
  stream  bytea PRIMARY KEY,
  version bigint NOT NULL,
  bytes   bytea NOT NULL);
CREATE SEQUENCE IF NOT EXISTS orgledger_test_position_seq;
)sql";

// Version 2: a stream's head is the last row of the log's (stream, version)
// index, so version 1's orgledger_streams table (the same facts, written
// again by every append) is dropped; and the guard of an append planned on
// the state its writer remembers (docs/postgres.md "One round trip"): it
// locks the head row as the reading transaction does, and raises SQLSTATE
// OLG01 unless the head, every stream's version (0 when absent) and the
// absence of every key are as planned; and the writes of a planned group
// in one statement (orgledger_write: its records, its keys' outcomes, the
// head when `head_hash` is given, the notification), whose statements the
// server plans once per session; and the leases (EventStore::TakeLease),
// one row each: holder, expiry by the server's clock, checkpoint; and the
// key rows (EventStore::GetKeyRow), which a database made before them gains
// when opened. The script is idempotent and upgrades a version 1 database.
constexpr char kCreateV2[] = R"sql(
DROP TABLE IF EXISTS orgledger_streams;
CREATE TABLE IF NOT EXISTS orgledger_keys (
  key   bytea PRIMARY KEY,
  value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS orgledger_leases (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL,
  checkpoint bigint NOT NULL);
CREATE OR REPLACE FUNCTION orgledger_guard(
    head_position bigint, head_hash bytea,
    streams bytea[], versions bigint[], keys bytea[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM orgledger_head
    WHERE id = 1 AND position = head_position AND hash = head_hash
    FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the log moved past the planned head'
      USING ERRCODE = 'OLG01';
  END IF;
  FOR i IN 1 .. coalesce(array_length(streams, 1), 0) LOOP
    IF coalesce((SELECT max(version) FROM orgledger_log
                 WHERE stream = streams[i]), 0) <> versions[i] THEN
      RAISE EXCEPTION 'a stream moved past its planned version'
        USING ERRCODE = 'OLG01';
    END IF;
  END LOOP;
  IF EXISTS (SELECT 1 FROM orgledger_outcomes
             WHERE key = ANY(keys)) THEN
    RAISE EXCEPTION 'an idempotency key was already used'
      USING ERRCODE = 'OLG01';
  END IF;
END $$;
CREATE OR REPLACE FUNCTION orgledger_write(
    positions bigint[], streams bytea[], versions bigint[], records bytea[],
    keys bytea[], outcomes bytea[], head_position bigint, head_hash bytea,
    channel text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO orgledger_log (position, stream, version, record)
    SELECT * FROM unnest(positions, streams, versions, records);
  IF coalesce(array_length(keys, 1), 0) > 0 THEN
    INSERT INTO orgledger_outcomes (key, value)
      SELECT * FROM unnest(keys, outcomes)
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  IF head_hash IS NOT NULL THEN
    UPDATE orgledger_head SET position = head_position, hash = head_hash
      WHERE id = 1;
  END IF;
  PERFORM pg_notify(channel, head_position::text);
END $$;
)sql";

}  // namespace

Status EnsureSchema(Connection& c) {
  const std::string version = std::to_string(kPostgresSchemaVersion);
  Result<Rows> done = c.Exec(
      std::string("BEGIN; ") + kSchemaLock + "; " + kCreateV1 + kCreateV2 +
      "INSERT INTO orgledger_meta VALUES ('schema_version', '" + version +
      "'::bytea) ON CONFLICT DO NOTHING; "
      "INSERT INTO orgledger_meta VALUES ('store_id', "
      "convert_to(gen_random_uuid()::text, 'UTF8')) ON CONFLICT DO NOTHING; "
      "UPDATE orgledger_meta SET value = '" +
      version +
      "'::bytea WHERE key = 'schema_version' AND "
      "convert_from(value, 'UTF8')::int < " +
      version +
      "; "
      "SELECT convert_from(value, 'UTF8') FROM orgledger_meta "
      "WHERE key = 'schema_version'");
  if (!done.ok()) {
    (void)c.Exec("ROLLBACK");
    return done.status();
  }
  const int stored = std::stoi(std::string(done->Get(0, 0)));
  if (stored > kPostgresSchemaVersion) {
    (void)c.Exec("ROLLBACK");
    return Unavailable("the database " + c.Describe() +
                       " holds orgledger schema version " +
                       std::to_string(stored) + "; this build knows up to " +
                       version + ": open it with a newer orgledger");
  }
  Result<Rows> committed = c.Exec("COMMIT");
  return committed.ok() ? Status::Ok() : committed.status();
}

}  // namespace orgledger::eventstore::pg
