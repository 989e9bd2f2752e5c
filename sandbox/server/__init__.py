"""The sandbox API emulator: Google Ads, Meta Marketing and Shopify Admin APIs over local HTTP.

Serves a simulated `World` in the vendors' wire formats, checks credentials, paginates,
rate-limits and injects faults on demand, so the real connectors run unchanged against it.
"""

from sandbox.server.app import LoggedRequest, SandboxServer
from sandbox.server.faults import KINDS, Fault, FaultPlan, parse_fault
from sandbox.server.state import Credentials, Limits

__all__ = [
    "SandboxServer",
    "LoggedRequest",
    "Fault",
    "FaultPlan",
    "parse_fault",
    "KINDS",
    "Credentials",
    "Limits",
]
