"""PostgreSQL: connection pools, migrations and the repository the rest of the service calls."""
