"""Regular expressions that match any of many literal words quickly."""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_regex(entries: Iterable[tuple[str, bool]]) -> str:
    """One regex alternation of literal entries, factored by shared prefixes.

    Python's regex engine tries alternatives one by one; a trie lets it reject
    most of a class of hundreds of words on the first letter. Longer entries are
    tried first. A stem entry matches any word continuing it.
    """
    root: dict = {}
    for text, stem in entries:
        node = root
        for char in text:
            node = node.setdefault(char, {})
        node[""] = node.get("", False) or stem

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if "" in node:
            branches.append("[a-z]*" if node[""] else "")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(root)
