"""Replay of Microsoft's published REST examples (x-ms-examples) against the emulator; see README.md."""
