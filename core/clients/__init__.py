"""Client records: the people the services support, their consent, sharing and timeline."""
