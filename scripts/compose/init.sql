-- Run once by docker-compose.yml's PostgreSQL at first start.
CREATE ROLE stevedore_password_login NOLOGIN;
