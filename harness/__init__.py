"""What tests and benchmarks both drive: servers on free ports, PostgreSQL, scripted turns.

Imports go one way: agent → client → harness → bench, tests.
"""
