"""Import (readers, rows, events, worker) and export."""
