ALTER TABLE "analytics"."sales" ADD COLUMN "region" VARCHAR(64)
