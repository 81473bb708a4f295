LOCK "analytics"."sales", "stevedore"."load_history"
