"""ODK's label Markdown as rich text, and nothing else read as markup."""

from __future__ import annotations

import pytest

from fieldsafe.forms.label_markdown import label_html


@pytest.mark.parametrize(("text", "shown"), [
    ("Is the **street light** working?", "Is the <b>street light</b> working?"),
    ("Rate it *honestly*", "Rate it <i>honestly</i>"),
    ("See [in the ODK docs](https://docs.getodk.org/form-question-types/)",
     'See <a href="https://docs.getodk.org/form-question-types/">in the ODK docs</a>'),
    ("# Lighting", '<span style="font-size: x-large; font-weight: bold;">Lighting</span>'),
    ("two\nlines", "two<br>lines"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("2 * 3 * 4", "2 * 3 * 4"),
    ("<b>&</b> <script>x</script>", "&lt;b&gt;&amp;&lt;/b&gt; &lt;script&gt;x&lt;/script&gt;"),
    ("[not a web link](javascript:alert(1))", "[not a web link](javascript:alert(1))"),
])
def test_labels_show_as_odk_collect_shows_them(text: str, shown: str) -> None:
    assert label_html(text) == shown


def test_titles_and_spoken_names_leave_the_marks_out() -> None:
    from fieldsafe.forms.label_markdown import label_plain

    assert label_plain("# Lighting\nIs the **street light** working? *Be honest*, see "
                       "[the guide](https://docs.getodk.org/)") == \
        "Lighting Is the street light working? Be honest, see the guide"
    assert label_plain("snake_case 2 * 3") == "snake_case 2 * 3"
