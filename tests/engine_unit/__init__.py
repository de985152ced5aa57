"""Unit tests of the test engine (tests/engine) against Pulumi's documented behaviour."""
