"""Tokenizer for XPath 1.0 with XLSForm's ``${name}`` references."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fieldsafe.i18n import _


class XPathSyntaxError(ValueError):
    """The expression cannot be parsed; the message says where."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, name, ref, op, axis, eof
    text: str
    pos: int


_NAME_START = r"[A-Za-z_\u00C0-\u02FF\u0370-\u1FFF\u200C-\u200D\u2070-\uFFFD]"
_NAME_CHAR = (r"[A-Za-z0-9_.\-\u00B7\u00C0-\u02FF\u0300-\u036F\u0370-\u1FFF\u200C-\u200D"
              r"\u203F-\u2040\u2070-\uFFFD]")
_NCNAME = f"{_NAME_START}{_NAME_CHAR}*"
_TOKEN_RE = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<ref>\$\{{\s*(?P<refname>[^}}]*?)\s*\}})
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<axis>{_NCNAME}\s*::)
  | (?P<name>{_NCNAME}(?::{_NCNAME})?(?::\*)?|{_NCNAME}:\*)
  | (?P<op>//|\.\.|::|!=|<=|>=|[/.@\[\](),|+\-*=<>])
""",
    re.VERBOSE,
)

# After these tokens a following ``*`` or name is a name test, not an operator.
_OPERATOR_CONTEXT = {"@", "::", "(", "[", ",", "/", "//", "|", "+", "-", "*", "=", "!=",
                     "<", "<=", ">", ">="}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, telling operator names (``and``, ``div``...) from names
    by the XPath 1.0 rule: they are operators only after an operand."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            char = text[pos]
            if char in "'\"":
                raise XPathSyntaxError(_("unterminated string starting at character {pos}")
                                       .format(pos=pos + 1))
            raise XPathSyntaxError(_("unexpected character {char!r} at character {pos}")
                                   .format(char=char, pos=pos + 1))
        kind = m.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "ref":
            name = m.group("refname")
            if not re.fullmatch(_NCNAME, name or ""):
                raise XPathSyntaxError(_("invalid reference ${{{name}}}").format(name=name))
            tokens.append(Token("ref", name, m.start()))
            continue
        value = m.group(kind)
        if kind == "string":
            value = value[1:-1]
        elif kind == "axis":
            value = value[:-2].strip()
        prev = tokens[-1] if tokens else None
        after_operand = prev is not None and prev.kind not in ("axis", "opname") and not (
            prev.kind == "op" and prev.text in _OPERATOR_CONTEXT
        )
        if kind == "name" and after_operand and value in ("and", "or", "div", "mod"):
            kind = "opname"
        elif kind == "op" and value == "*" and not after_operand:
            kind = "name"
        tokens.append(Token(kind, value, m.start()))
    tokens.append(Token("eof", "", len(text)))
    return tokens
