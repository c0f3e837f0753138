"""The node tree that XPath expressions are evaluated over (form instance and choice lists)."""

from __future__ import annotations

from collections.abc import Iterator


class XNode:
    """An element of an XML-like tree: a name, a text value, attributes and children.

    The main instance and the secondary instances (choice lists, CSV attachments) are
    built from these. ``relevant`` is False for a main-instance node that is not relevant
    (or sits in a non-relevant group): such a node reads as blank, as in ODK.
    """

    __slots__ = ("_by_name", "attributes", "children", "datatype", "name", "parent",
                 "relevant", "value")

    def __init__(self, name: str, value: str = "", parent: XNode | None = None,
                 datatype: str = "string") -> None:
        self.name = name
        self.value = value
        self.parent = parent
        self.children: list[XNode] = []
        self.attributes: dict[str, str] = {}
        self.datatype = datatype
        self.relevant = True
        self._by_name: dict[str, list[XNode]] | None = None
        if parent is not None:
            parent.children.append(self)
            parent._by_name = None

    def add(self, name: str, value: str = "", datatype: str = "string") -> XNode:
        return XNode(name, value, self, datatype)

    def child(self, name: str) -> XNode | None:
        found = self.children_named(name)
        return found[0] if found else None

    def children_named(self, name: str) -> list[XNode]:
        """The children called ``name``, in order (indexed: lookups are not a scan)."""
        index = self._by_name
        if index is None:
            index = {}
            for c in self.children:
                index.setdefault(c.name, []).append(c)
            self._by_name = index
        return index.get(name, [])

    def children_changed(self) -> None:
        """Call after changing ``children`` in place (insert, remove, reorder)."""
        self._by_name = None

    def is_relevant(self) -> bool:
        node: XNode | None = self
        while node is not None:
            if not node.relevant:
                return False
            node = node.parent
        return True

    def string_value(self) -> str:
        """The node's text as other expressions see it: blank when not relevant."""
        if not self.is_relevant():
            return ""
        if self.children:
            return "".join(c.string_value() for c in self.children)
        return self.value

    def ancestors(self) -> Iterator[XNode]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self) -> Iterator[XNode]:
        for c in self.children:
            yield c
            yield from c.descendants()

    def root(self) -> XNode:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def index_in_parent(self) -> int:
        """1-based position among siblings of the same name (repeat instance number)."""
        if self.parent is None:
            return 1
        n = 0
        for sibling in self.parent.children:
            if sibling.name == self.name:
                n += 1
            if sibling is self:
                return n
        return n

    def __repr__(self) -> str:
        return f"XNode({self.name!r}, {self.value!r})"


class AttrNode(XNode):
    """An attribute seen as a node (for ``@name`` steps)."""

    __slots__ = ()
