"""A ticket's life under its policy snapshot: its state, clocks and deadlines, the changes
it takes (life cycle, retargeting, coverage, feedback, duplicates), paging, the records it
keeps and the view the API reads."""
