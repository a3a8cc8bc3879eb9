"""Backing servers: embedded PostgreSQL and Redis for local use, pools and clients for all."""
