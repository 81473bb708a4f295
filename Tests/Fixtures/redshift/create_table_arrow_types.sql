CREATE TABLE IF NOT EXISTS "analytics"."sales" ("float32" REAL, "time64" TIME, "binary" VARBYTE(65535) NOT NULL, "uint64" DECIMAL(20,0), "list" SUPER)
