DELETE FROM "analytics"."sales" WHERE "sale_date" = CAST($1 AS DATE)
