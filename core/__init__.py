"""Runtime pieces shared by every layer: settings, database, cache, errors, the ASGI app."""
