"""The web console: officers work the queue, agencies answer, citizens follow their number."""
