"""Kettle & Crumb, a small example shop used to show gdpr-lint's findings."""
