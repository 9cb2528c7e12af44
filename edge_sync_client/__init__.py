"""Scout's store-side sync client: capture transaction lines into a local SQLite outbox, push
them to the ingest API in batches whenever the network allows.

Standard library plus ``httpx`` (and ``msal`` for Entra client credentials), so it runs on a
Raspberry Pi without the rest of Scout. Entry point: ``python -m edge_sync_client``.
"""
