DELETE FROM "analytics"."sales" WHERE "sale_date" >= CAST($1 AS DATE) AND "sale_date" <= CAST($2 AS DATE)
