"""The bridge: PostgreSQL NOTIFY and a periodic catch-up scan turned into scheduled steps."""
