DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE record_counters;
DROP TABLE invitations;
DROP TABLE memberships;
