"""The monthly report, as-of rebuilding, the digest, listings and display values."""
