"""Small HTTP servers that speak Asana's and GitHub's protocols, so the whole pipeline runs
end to end without accounts: same paths, JSON shapes, status codes, pagination and signed
webhooks as the real services, plus an OpenCode agent simulator and fault knobs.

See docs/sandbox.md.
"""

from app.sandbox.runner import Sandbox, Seed

__all__ = ["Sandbox", "Seed"]
