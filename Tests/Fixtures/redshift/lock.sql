LOCK "analytics"."sales"
