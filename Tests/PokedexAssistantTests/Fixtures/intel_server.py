"""A small MCP server on the official Python SDK's server API (mcp 2.x MCPServer, FastMCP in 1.x),
standing in for a team's malware-intel service. The Swift tests start it as Pokedex would.

STATE_DIR (environment): it writes its pid to STATE_DIR/pid and every call to STATE_DIR/calls;
while STATE_DIR/down exists it exits at once (the service is down).
"""

import os
import sys

state = os.environ["STATE_DIR"]
if os.path.exists(os.path.join(state, "down")):
    sys.exit(3)
with open(os.path.join(state, "pid"), "w") as pid:
    pid.write(str(os.getpid()))

try:
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server
from mcp.types import ToolAnnotations

server = Server("intel")
KNOWN = {"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08": "known bad: Emotet loader (first seen 2026-10-02)"}


def record(line):
    with open(os.path.join(state, "calls"), "a") as calls:
        calls.write(line + "\n")


@server.tool(annotations=ToolAnnotations(readOnlyHint=True, destructiveHint=False))
def hash_lookup(sha256: str) -> str:
    """Look up a file's SHA-256 in the malware-intel service."""
    record("hash_lookup " + sha256)
    return KNOWN.get(sha256.lower(), f"{sha256}: not known to malware intel")


@server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))
def quarantine_file(sha256: str) -> str:
    """Quarantine every copy of a file across the fleet."""
    record("quarantine_file " + sha256)
    return "quarantined"


@server.tool()
def debug_dump() -> str:
    """Internal: dump the service's state."""
    return "state"


server.run()
