"""Pure Adaptive Card builders: the core's views in, Teams card and dialog dicts out.

Nothing here calls Teams or the database. Cards use schema 1.5 and Teams' markdown subset
(bold, italic, lists, links). Text a member or a workspace wrote (team names, notes, an unknown
command word) is never read as markdown: it goes into a ``TextRun``, which Adaptive Cards show
verbatim, or, in plain-text replies and the one ``TextBlock`` that needs it, through
``escape_markdown``.
"""
