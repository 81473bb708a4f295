INSERT INTO "analytics"."sales" ("id", "region", "amount") SELECT "id", "region", "amount" FROM "stevedore_merge_01j0abcdef"
