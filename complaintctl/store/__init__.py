"""The ledger: schema and migrations, writer, bulk writes, the hash chain, verify, output files."""
