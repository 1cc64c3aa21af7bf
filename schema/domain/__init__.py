"""Hand-written operations that are not generic CRUD: sign-in, the complaint workflow, account and policy management."""
