"""Automation behind the CLI: preflight, quota report, key rotation, promotion, image end-of-life report."""
