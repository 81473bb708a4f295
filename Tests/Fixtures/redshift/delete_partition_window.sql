DELETE FROM "analytics"."sales" WHERE "sold_at" >= CAST($1 AS TIMESTAMP) AND "sold_at" < CAST($2 AS TIMESTAMP)
