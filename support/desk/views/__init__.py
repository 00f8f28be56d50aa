"""The desk's admin pages: the live workspace (live) and the supervisors' dashboard (dashboard)."""
