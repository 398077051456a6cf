"""Email: message building, compatibility checks and sending."""
