"""complaintctl: a command-line complaint ledger for Chinese property-management service centres."""

__version__ = "0.1.0"
