"""Colours for scores that people with any colour vision can tell apart, and their legend."""

from __future__ import annotations

from fieldsafe.i18n import _, number
from fieldsafe.services.map_types import Parameter

#: Cividis in five classes, worst (dark blue) to best (yellow): the same to people with
#: red-green colour blindness, and it stays ordered when printed in grey.
COLOUR_BLIND_SAFE: tuple[str, ...] = ("#00204D", "#414D6B", "#7C7B78", "#BCAF6F", "#FFEA46")
#: For segments without a rating; draw them thin or dashed as well, not by colour alone.
NO_DATA_COLOUR = "#D9D9D9"


def score_class(score: float) -> int:
    """The class (0 worst .. len(COLOUR_BLIND_SAFE) - 1 best) of a 0..1 score: equal
    ranges, each including its lower bound (0.2 is in the second of five)."""
    classes = len(COLOUR_BLIND_SAFE)
    return min(classes - 1, max(0, int(score * classes)))


def colour(score: float | None) -> str:
    """The colour of a score, :data:`NO_DATA_COLOUR` for None."""
    return NO_DATA_COLOUR if score is None else COLOUR_BLIND_SAFE[score_class(score)]


def _words() -> list[str]:
    return [_("very poor"), _("poor"), _("fair"), _("good"), _("very good")]


def legend(parameter: Parameter) -> list[tuple[str, str]]:
    """(colour, label) for each class, worst first. When the parameter's instruments
    share a scale the labels are ranges on it ("1–1.8 very poor" for a 1..5 rating,
    "2.4–3 very poor" for a "how often" 0..3 one); otherwise ranges of the normalised
    score in percent, from worst to best."""
    classes = len(COLOUR_BLIND_SAFE)
    words = _words() if classes == 5 else [""] * classes
    if parameter.mixed:
        words[0], words[-1] = _("worst"), _("best")
    out: list[tuple[str, str]] = []
    for k, hex_colour in enumerate(COLOUR_BLIND_SAFE):
        low, high = k / classes, (k + 1) / classes
        if parameter.mixed:
            text = f"{round(low * 100)}–{round(high * 100)} %"
        else:
            if not parameter.higher_is_better:
                low, high = 1.0 - high, 1.0 - low
            span = parameter.scale_max - parameter.scale_min
            text = f"{_number(parameter.scale_min + low * span)}–" \
                   f"{_number(parameter.scale_min + high * span)}"
        out.append((hex_colour, f"{text} {words[k]}".strip()))
    return out


def _number(value: float) -> str:
    return number(round(value, 2), "g")
