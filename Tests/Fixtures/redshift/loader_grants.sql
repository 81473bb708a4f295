GRANT CREATE ON DATABASE "dev" TO "IAMR:StevedoreLoader"
GRANT USAGE, CREATE ON SCHEMA "analytics" TO "IAMR:StevedoreLoader"
GRANT USAGE, CREATE ON SCHEMA "stevedore" TO "IAMR:StevedoreLoader"
