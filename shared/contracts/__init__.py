"""What travels on the wire: values, events, commands, RPC operations, subjects and errors.

The bottom layer: it imports nothing else of the project, so every service and tool can depend on it.
"""
