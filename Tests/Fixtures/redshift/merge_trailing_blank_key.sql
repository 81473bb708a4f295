SELECT "id", "region" FROM "stevedore_load_01j0abcdef" WHERE LENGTH("id") <> LENGTH(RTRIM("id")) OR LENGTH("region") <> LENGTH(RTRIM("region")) LIMIT 1
