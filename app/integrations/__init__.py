"""Asana and GitHub: the clients and webhook verification, the only code that talks to the real
services. The sandbox that imitates them is its own package, `app.sandbox`."""
