"""The web app: the staff's review pages and the public archive (FastAPI + Jinja)."""
