"""regkb: international regulatory experience, searchable and comparable.

In a notebook::

    from kb import KB
    kb = KB.open()
    kb.search(text="cross-border data", jurisdictions=["ipef"]).hits
"""

from kb.core import KnowledgeBase

KB = KnowledgeBase

__all__ = ["KB", "KnowledgeBase"]
__version__ = "0.1.0"
