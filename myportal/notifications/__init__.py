"""E-mail notifications and the development outbox."""
