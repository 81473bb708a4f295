CREATE TEMP TABLE "stevedore_merge_01j0abcdef" (LIKE "analytics"."sales")
