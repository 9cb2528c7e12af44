"""Durable Functions on one machine: a SQLite task hub, the replay episode, and the workers around it."""
