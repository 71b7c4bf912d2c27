"""Rare-event estimates of the top of the escalation ladder (multilevel splitting)."""
