"""A LangGraph deep agent whose risky tool calls wait for a human, reload-safe.

Kept free of imports so `agent.approval.contract` is cheap to import from clients.
"""
