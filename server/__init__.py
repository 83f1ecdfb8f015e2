"""The server that mounts the agent: LangGraph auth, the HTTP app (the API guard over every
route family, the approvals routes, the inbox page), and the preflight `make dev` runs.

`langgraph.json` points here: `auth` at `server/auth.py`, `http.app` at `server/app.py`.
"""
