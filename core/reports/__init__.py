"""Reports: definitions from core and plugins, run in SQL, shown as chart + table, exported."""
