"""The browser inbox, served by the agent's own server at /inbox."""
