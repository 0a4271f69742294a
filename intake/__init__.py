"""What comes in with a request, before it becomes a ticket: secrets masked, and whether it
looks like a ticket already open. Pure text work: no I/O."""
