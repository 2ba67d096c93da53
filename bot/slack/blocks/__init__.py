"""Pure Block Kit builders: plain data in, Slack message and view dicts out.

Nothing here calls Slack or the database. Every piece of member- or workspace-written text
passes through ``escape`` before it reaches a block, so it can never ping or spoof a link.
"""
