-- A session names the user signed in on it, so that reading a session also reads the user's
-- memberships, in one query (the session middleware needs both on every request). Deleting
-- a user ends their sessions.
ALTER TABLE sessions ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX sessions_user_idx ON sessions (user_id);
