"""The catalogue engine: title matching, recommendations and catalogue queries."""
