CREATE TABLE IF NOT EXISTS "analytics"."sales" ("id" BIGINT NOT NULL, "customer_id" BIGINT, "sale_date" DATE NOT NULL, "amount" DECIMAL(38,2), "we""ird" VARCHAR(256)) DISTSTYLE EVEN ENCODE AUTO
