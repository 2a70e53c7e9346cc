"""Accounts a city runs: creating, listing, changing and deactivating users (API and `phoqr users`), bulk field
agents from a CSV, and a user's own password. Who may manage whom is decided in one place: `policy`."""
