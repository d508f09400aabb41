"""Bulk imports: a file is stored, then a job validates and imports it in batches."""
