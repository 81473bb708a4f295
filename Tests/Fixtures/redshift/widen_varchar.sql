ALTER TABLE "analytics"."sales" ALTER COLUMN "code" TYPE VARCHAR(512)
