"""What a run leaves behind: evidence bundles, the chain of manifests, the SQLite ledger."""
