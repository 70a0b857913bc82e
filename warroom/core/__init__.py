"""The engine: incidents, events, the fold, the playbook and documents. No Textual here."""
