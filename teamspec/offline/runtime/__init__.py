"""Standard-library modules copied verbatim into generated projects
(``schema_check.py``, ``server.py``); teamspec also uses them itself."""
