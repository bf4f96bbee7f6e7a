"""The command line: parsing, output and exit codes.  The logic lives in the core modules."""
