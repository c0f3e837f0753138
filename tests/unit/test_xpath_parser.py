"""The XPath parser: precedence, paths, XLSForm references, and clear syntax errors."""

from __future__ import annotations

import pytest

from fieldsafe.forms.xpath.ast import BinOp, Call, Literal, Number, Path, Ref, Step
from fieldsafe.forms.xpath.lexer import XPathSyntaxError
from fieldsafe.forms.xpath.parser import parse


def test_precedence_of_arithmetic_and_logic() -> None:
    tree = parse("${a} + 2 * 3 > 4 and not(${b})")
    assert isinstance(tree, BinOp) and tree.op == "and"
    left = tree.left
    assert isinstance(left, BinOp) and left.op == ">"
    assert left.left == BinOp("+", Ref("a"), BinOp("*", Number(2.0), Number(3.0)))
    assert tree.right == Call("not", (Ref("b"),))


def test_operator_names_are_names_in_name_position() -> None:
    # 'div' after an operand is division; at the start of a path it is an element name.
    assert parse("4 div 2") == BinOp("div", Number(4.0), Number(2.0))
    tree = parse("div + mod")
    assert isinstance(tree, BinOp) and tree.op == "+"
    assert tree.left == Path(False, (Step("child", "div"),))


def test_secondary_instance_path_with_predicate() -> None:
    tree = parse("instance('list')/root/item[name = ${x}]/label")
    assert isinstance(tree, Path)
    assert tree.start == Call("instance", (Literal("list"),))
    assert [s.test for s in tree.steps] == ["root", "item", "label"]
    assert tree.steps[1].predicates == (BinOp("=", Path(False, (Step("child", "name"),)),
                                              Ref("x")),)


def test_relative_and_abbreviated_steps() -> None:
    tree = parse("../sibling/@attr")
    assert isinstance(tree, Path)
    assert [(s.axis, s.test) for s in tree.steps] == [
        ("parent", "node()"), ("child", "sibling"), ("attribute", "attr")]


def test_namespaced_function_names() -> None:
    assert parse("jr:choice-name(${q}, '${q}')") == Call(
        "jr:choice-name", (Ref("q"), Literal("${q}")))


@pytest.mark.parametrize(("text", "fragment"), [
    ("because pyxform doesn't know what to do", "unterminated string"),
    ("label::English != ''", "unknown axis 'label::'"),
    ("1 +", "end of expression"),
    ("(1 + 2", "expected ')'"),
    ("${}", "invalid reference"),
    ("a b", "unexpected text"),
    ("", "empty"),
    ("1 # 2", "unexpected character '#'"),
])
def test_syntax_errors_say_what_and_where(text: str, fragment: str) -> None:
    with pytest.raises(XPathSyntaxError) as info:
        parse(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text", ["(" * 5000 + "1" + ")" * 5000, "-" * 5000 + "1",
                                  "1 + (" * 300 + "1" + ")" * 300, "f(" * 2000 + ")" * 2000])
def test_a_hostile_depth_is_a_syntax_error_not_a_crash(text: str) -> None:
    with pytest.raises(XPathSyntaxError, match="nests more than 250 levels"):
        parse(text)


def test_a_long_sum_of_answers_is_one_level() -> None:
    """A scoring form adds up every answer: a flat sum of thousands of terms nests nothing
    (the evaluator works through it in a loop), and is no attack."""
    tree = parse(" + ".join(f"${{q{k}}}" for k in range(5000)))
    assert isinstance(tree, BinOp)
