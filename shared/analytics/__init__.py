"""Analytics: summary tables, their refresh, the planner and the queries behind ``/api/*``."""
