"""Recursive-descent parser for XPath 1.0 expressions as used in XLSForms."""

from __future__ import annotations

from functools import lru_cache

from fieldsafe.forms.xpath.ast import (
    BinOp,
    Call,
    Filter,
    Literal,
    Negate,
    Node,
    Number,
    Path,
    Ref,
    Step,
    depth,
)
from fieldsafe.forms.xpath.lexer import Token, XPathSyntaxError, tokenize
from fieldsafe.i18n import _

AXES = frozenset({
    "child", "descendant", "parent", "ancestor", "following-sibling", "preceding-sibling",
    "following", "preceding", "attribute", "self", "descendant-or-self", "ancestor-or-self",
})
NODE_TYPES = frozenset({"node", "text", "comment", "processing-instruction"})
_COMPARE = ("=", "!=", "<", "<=", ">", ">=")


# Deeper than any form nests (brackets, signs, calls; a long sum of answers is one level):
# the evaluator walks nesting by recursion, and Python's stack is about a thousand calls.
MAX_DEPTH = 250


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree, or raise :class:`XPathSyntaxError`."""
    if not text.strip():
        raise XPathSyntaxError(_("the expression is empty"))
    try:
        tree = _Parser(text).parse()
    except RecursionError:
        tree = None
    if tree is None or depth(tree) > MAX_DEPTH:
        raise XPathSyntaxError(_("the expression nests more than {n} levels deep (brackets, "
                                 "signs or operators)").format(n=MAX_DEPTH))
    return tree


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # -- token helpers -------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def at(self, kind: str, *texts: str) -> bool:
        return self.tok.kind == kind and (not texts or self.tok.text in texts)

    def take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def expect(self, kind: str, text: str) -> None:
        if not self.at(kind, text):
            self.fail(_("expected {expected!r}").format(expected=text))
        self.take()

    def fail(self, why: str) -> None:
        token = self.tok
        found = _("end of expression") if token.kind == "eof" else repr(token.text)
        raise XPathSyntaxError(
            _("{why}, found {found} at character {pos}").format(
                why=why, found=found, pos=token.pos + 1)
        )

    # -- grammar ------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expr()
        if not self.at("eof"):
            self.fail(_("unexpected text after a complete expression"))
        return node

    def expr(self) -> Node:
        return self.binary_level(0)

    _LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("opname", ("or",)),
        ("opname", ("and",)),
        ("op", ("=", "!=")),
        ("op", ("<", "<=", ">", ">=")),
        ("op", ("+", "-")),
        ("mul", ("*", "div", "mod")),
    )

    def binary_level(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        kind, ops = self._LEVELS[level]
        left = self.binary_level(level + 1)
        while True:
            token = self.tok
            matches = (
                (token.kind == "op" and token.text == "*") or
                (token.kind == "opname" and token.text in ("div", "mod"))
            ) if kind == "mul" else (token.kind == kind and token.text in ops)
            if not matches:
                return left
            self.take()
            right = self.binary_level(level + 1)
            left = BinOp(token.text, left, right)

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.take()
            return Negate(self.unary())
        return self.union()

    def union(self) -> Node:
        left = self.path_expr()
        while self.at("op", "|"):
            self.take()
            left = BinOp("|", left, self.path_expr())
        return left

    def path_expr(self) -> Node:
        tok = self.tok
        is_call = tok.kind == "name" and self.peek().kind == "op" and self.peek().text == "(" \
            and tok.text not in NODE_TYPES
        is_group = tok.kind == "op" and tok.text == "("
        if tok.kind in ("number", "string", "ref") or is_call or is_group:
            base = self.primary()
            predicates = self.predicates()
            if predicates:
                base = Filter(base, predicates)
            if self.at("op", "/", "//"):
                steps = self.relative_steps(leading=self.take().text)
                return Path(False, tuple(steps), start=base)
            return base
        if tok.kind == "op" and tok.text in ("/", "//"):
            sep = self.take().text
            if sep == "/" and not self.starts_step():
                return Path(True, ())
            return Path(True, tuple(self.relative_steps(leading=sep)))
        if self.starts_step():
            return Path(False, tuple(self.relative_steps(leading=None)))
        self.fail(_("expected a value, a question reference or a path"))
        raise AssertionError  # unreachable: fail() raises

    def starts_step(self) -> bool:
        tok = self.tok
        return tok.kind in ("name", "axis") or (tok.kind == "op" and tok.text in (".", "..", "@"))

    def relative_steps(self, leading: str | None) -> list[Step]:
        steps: list[Step] = []
        sep = leading
        while True:
            if sep == "//":
                steps.append(Step("descendant-or-self", "node()"))
            steps.append(self.step())
            if self.at("op", "/", "//"):
                sep = self.take().text
                continue
            return steps

    def step(self) -> Step:
        if self.at("op", "."):
            self.take()
            return Step("self", "node()")
        if self.at("op", ".."):
            self.take()
            return Step("parent", "node()")
        axis = "child"
        if self.at("op", "@"):
            self.take()
            axis = "attribute"
        elif self.at("axis"):
            axis = self.take().text
            if axis not in AXES:
                raise XPathSyntaxError(
                    _("unknown axis '{axis}::' (XPath has no such axis; a column name such "
                      "as label::English cannot be used in an expression)").format(axis=axis))
        if not self.at("name"):
            self.fail(_("expected a name after '/'"))
        test = self.take().text
        if test in NODE_TYPES and self.at("op", "("):
            self.take()
            self.expect("op", ")")
            test = test + "()"
        return Step(axis, test, self.predicates())

    def predicates(self) -> tuple[Node, ...]:
        preds: list[Node] = []
        while self.at("op", "["):
            self.take()
            preds.append(self.expr())
            self.expect("op", "]")
        return tuple(preds)

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            return Number(float(tok.text))
        if tok.kind == "string":
            return Literal(tok.text)
        if tok.kind == "ref":
            return Ref(tok.text)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expr()
            self.expect("op", ")")
            return inner
        # function call
        self.expect("op", "(")
        args: list[Node] = []
        if not self.at("op", ")"):
            args.append(self.expr())
            while self.at("op", ","):
                self.take()
                args.append(self.expr())
        self.expect("op", ")")
        return Call(tok.text, tuple(args))
