"""slawatch schemas: events, signals, SLA policies, tenant contracts, settings."""
