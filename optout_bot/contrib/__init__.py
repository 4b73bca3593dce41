"""Tools for contributors: scaffolding a new platform, opening a replica in a browser."""
