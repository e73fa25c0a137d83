"""Password hashing, tokens, sessions, access control and the audit log."""
