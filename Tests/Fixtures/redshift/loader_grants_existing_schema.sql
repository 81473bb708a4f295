GRANT USAGE, CREATE ON SCHEMA "analytics" TO "IAMR:StevedoreRunner"
