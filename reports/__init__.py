"""Reports on how the commitments were kept, computed from the tickets' records: no I/O."""
