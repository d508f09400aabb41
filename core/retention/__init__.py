"""Retention of client records: the rule table, the appraisal job and decisions (SECURITY.md P3)."""
