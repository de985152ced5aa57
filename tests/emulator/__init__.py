"""Emulator scenario tests through the real Azure SDK clients."""
