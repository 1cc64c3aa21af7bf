"""Benchmarks: ``python -m bench`` (``make bench``) times the GraphQL API on a throwaway database.

Every figure is printed next to its ratio to a baseline measured in the same
run, so results compare across machines; nothing here asserts a time.
"""
