"""The shipped stacks deployed through the test engine against the emulator."""
