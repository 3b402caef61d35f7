"""What readiness checks (doctor) report, whichever backend they judge."""
