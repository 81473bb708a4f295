-- The load ledger: one row per committed load, written in the load's own transaction.
-- Stevedore creates it by itself (schema "stevedore" unless configured); this is the same DDL.

CREATE SCHEMA IF NOT EXISTS "stevedore";

CREATE TABLE IF NOT EXISTS "stevedore"."load_history" (
    load_id VARCHAR(64) NOT NULL PRIMARY KEY,
    table_schema VARCHAR(127) NOT NULL,
    table_name VARCHAR(127) NOT NULL,
    partition_key VARCHAR(65535) NOT NULL,
    partition_json VARCHAR(65535),
    mode VARCHAR(256) NOT NULL,
    row_count BIGINT NOT NULL,
    uncompressed_bytes BIGINT NOT NULL,
    compressed_bytes BIGINT NOT NULL,
    part_count INTEGER NOT NULL,
    stage_prefix VARCHAR(65535) NOT NULL,
    content_sha256 CHAR(64) NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL DEFAULT SYSDATE,
    loader_version VARCHAR(32) NOT NULL
);
