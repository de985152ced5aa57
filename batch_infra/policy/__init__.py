"""The security baseline for Batch: pure rules (rules.py), the CrossGuard pack's policies (pack.py)."""
