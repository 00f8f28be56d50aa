"""The supervisors' dashboard: live aggregates (selectors), the daily roll-up (rollup), server-side
SVG charts (charts) and the admin page (views, admin)."""
