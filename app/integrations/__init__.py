"""Asana and GitHub: clients, webhook verification, and a sandbox that speaks both protocols."""
