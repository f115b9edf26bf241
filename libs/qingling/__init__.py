"""Shared platform code for the Qingling services: settings, database, errors, events,
outbox/inbox, clock, docs and the service application factory."""
