"""StreamBot tests: a package, so module names never clash with those in tests/bot/."""
