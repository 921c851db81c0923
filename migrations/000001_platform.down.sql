DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE tenants;
-- pg_trgm and role aims_app are left in place: the role is cluster-wide and other databases
-- on the server may use it; REVOKE what this database granted.
REVOKE USAGE ON SCHEMA public FROM aims_app;
