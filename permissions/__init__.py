"""Who may do what, on which rows: Casbin RBAC with regency codes as domains.

- ``model.conf`` / ``default_policy.csv``: the access model and the rules a fresh database starts with.
- ``enforcer``: the process-wide enforcer, reloaded when the shared policy revision changes.
- ``access``: ``access_for(user)`` → ``Access`` with ``decide``/``require``/``row_filter``/``can_see_personal``.
- ``scope``: turns a decision into a row filter (SQL) and answers "is this row in my regencies?".
- ``management``: assign/revoke roles, add/remove rules, load the default policy.
"""
