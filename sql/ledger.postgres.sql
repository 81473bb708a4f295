-- The load ledger: one row per committed load, written in the load's own transaction.
-- Stevedore creates it by itself (schema "stevedore" unless configured); this is the same DDL.

CREATE SCHEMA IF NOT EXISTS "stevedore";

CREATE TABLE IF NOT EXISTS "stevedore"."load_history" (
    load_id text NOT NULL PRIMARY KEY,
    table_schema text NOT NULL,
    table_name text NOT NULL,
    partition_key text NOT NULL,
    partition_json jsonb,
    mode text NOT NULL,
    row_count BIGINT NOT NULL,
    uncompressed_bytes BIGINT NOT NULL,
    compressed_bytes BIGINT NOT NULL,
    part_count INTEGER NOT NULL,
    stage_prefix text NOT NULL,
    content_sha256 text NOT NULL,
    started_at timestamptz NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now(),
    loader_version text NOT NULL
);

CREATE INDEX IF NOT EXISTS load_history_target
    ON "stevedore"."load_history" (table_schema, table_name, partition_key, committed_at);
