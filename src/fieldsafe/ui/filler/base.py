"""The common frame of every question: label, hint, required mark, input and its problem."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from fieldsafe.forms.label_markdown import label_html, label_plain
from fieldsafe.forms.model import FormElement, pick_translation
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.evaluator import Ctx, XPathEvalError, evaluate
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.forms.xpath.values import to_boolean
from fieldsafe.ui.filler.context import FillerContext

PROBLEM_COLOUR = "#b3261e"
HINT_COLOUR = "#5f6368"
LINK_STYLE = ("QPushButton { color: #1a5fb4; border: 1px solid transparent; padding: 1px 3px;"
              " text-decoration: underline; }"
              " QPushButton:focus { border: 1px dotted #1a5fb4; }")


@dataclass(frozen=True, slots=True)
class Shown:
    """What a question showed at its last refresh, to skip refreshes that change nothing."""

    label: str
    hint: str
    required: bool
    read_only: bool
    rest: tuple[object, ...]  # the value, the problem, the options ...


def set_text(label: QLabel, text: str) -> None:
    """Set a label's text if it differs (each Qt call has a cost; most refreshes change
    nothing)."""
    if label.text() != text:
        label.setText(text)


def set_visible(widget: QWidget, visible: bool) -> None:
    """Show or hide ``widget`` if that changes anything."""
    if widget.isHidden() == visible:
        widget.setVisible(visible)


def set_enabled(widget: QWidget, enabled: bool) -> None:
    """Enable or disable ``widget`` if that changes anything."""
    if widget.isEnabled() != enabled:
        widget.setEnabled(enabled)


def discard(widget: QWidget) -> None:
    """Take ``widget`` out of the window now and delete it soon. Hidden first, so that a
    show the layout queued for it cannot pop it up as a window of its own."""
    widget.hide()
    widget.setParent(None)
    widget.deleteLater()


class QuestionWidget(QWidget):
    """One question of the form, bound to one node of the session's instance.

    Subclasses build their input in ``_build`` (adding to ``self.input_layout``), show the
    node's value in ``_show_value`` and write answers with ``_write``.
    """

    #: Emitted after an answer was written to the session with ``set_value``.
    answered = Signal()
    #: Emitted when Enter is pressed in a single-line input: move on to the next question.
    advance_requested = Signal()

    def __init__(self, session: FormSession, node: XNode, context: FillerContext,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.node = node
        self.context = context
        self.element: FormElement = session.element_of(node)
        self._touched = False
        self._show_all = False
        self._updating = False
        self._local_error = ""
        self._labelled: list[QWidget] = []
        self._shown_state: Shown | bool | None = False  # False: never refreshed
        self._enter_moves: list[QObject] = []
        #: Set when the input controls were made anew (new options): Tab order needs fixing.
        self.controls_rebuilt = False
        self.setObjectName(f"question_{self.element.answer_key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(4)
        self.label = QLabel(self)
        self.label.setObjectName("question_label")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setOpenExternalLinks(True)
        self.label.setStyleSheet("QLabel#question_label { font-weight: bold; }")
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._label_text = ""
        self._required = False
        layout.addWidget(self.label)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)  # escaped but for ODK's Markdown
        self.hint.setOpenExternalLinks(True)
        self.hint.setStyleSheet(f"color: {HINT_COLOUR};")
        layout.addWidget(self.hint)
        self.input_area = QWidget(self)
        self.input_layout = QVBoxLayout(self.input_area)
        self.input_layout.setContentsMargins(0, 2, 0, 0)
        self.input_layout.setSpacing(4)
        layout.addWidget(self.input_area)
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setStyleSheet(f"color: {PROBLEM_COLOUR};")
        self.problem_label.setObjectName("problem")
        self.problem_label.hide()
        layout.addWidget(self.problem_label)
        self._build()
        self.refresh()

    # -- for subclasses -------------------------------------------------------------------
    def _build(self) -> None:
        """Create the input controls (in ``self.input_layout``)."""

    def _show_value(self) -> None:
        """Show ``self.node.value`` (and the current options) in the controls."""

    def _focus_target(self) -> QWidget | None:
        """The control that takes the focus for this question."""
        return None

    def _commit(self) -> None:
        """Write what is typed but not yet written (before Enter moves on)."""

    def _write(self, value: str) -> None:
        """Answer the question with ``value`` (an ODK string) on behalf of the user."""
        if self._updating:
            return
        self._touched = True
        if value != self.node.value:
            self.session.set_value(self.node, value)
            self._update_problem()
            self.answered.emit()
        else:
            self._update_problem()

    def _set_local_error(self, message: str) -> None:
        """A problem found by the widget itself (such as unreadable coordinates)."""
        self._local_error = message
        self._update_problem()

    def _name(self, control: QWidget, name: str | None = None) -> None:
        """Name ``control`` for screen readers: the question label, or ``name`` (an option
        or a button) described by the question label."""
        if name is None:
            self._labelled.append(control)
            control.setAccessibleName(self._label_text)
        else:
            control.setAccessibleName(name)
            control.setAccessibleDescription(self._label_text)

    def _small_button(self, text: str, link: bool = False) -> QPushButton:
        """A button sized to its text; ``link`` makes it a quiet link (Clear, Remove)."""
        button = QPushButton(text, self.input_area)
        button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        if link:
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setStyleSheet(LINK_STYLE)
        self._name(button, text)
        return button

    def _watch_enter(self, control: QWidget) -> None:
        """Let Enter in ``control`` move on to the next question."""
        self._enter_moves.append(control)
        control.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched in self._enter_moves and event.type() == QEvent.Type.KeyPress and \
                isinstance(event, QKeyEvent) and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self._commit()
            self.advance_requested.emit()
            return True
        return super().eventFilter(watched, event)

    # -- public ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read relevance, label, hint, value, options and problem from the session.

        Nothing is touched when none of them changed since the last refresh, so refreshing
        every question after each answer stays cheap.
        """
        state = self._state()
        if state == self._shown_state:
            return
        self._shown_state = state
        set_visible(self, state is not None)
        if state is None:
            return
        label, hint, read_only = state.label, state.hint, state.read_only
        self._required = state.required
        self._label_text = label
        mark = f' <span style="color: {PROBLEM_COLOUR};">*</span>' if self._required else ""
        set_text(self.label, label_html(label) + mark)  # ODK's Markdown, nothing else
        tip = self.tr("An answer is required") if self._required else ""
        if self.label.toolTip() != tip:
            self.label.setToolTip(tip)
        set_visible(self.label, bool(label or mark))
        spoken = label_plain(label)  # read out without Markdown's marks
        for control in [self, *self._labelled]:
            if control.accessibleName() != spoken:
                control.setAccessibleName(spoken)
        set_text(self.hint, label_html(hint))
        set_visible(self.hint, bool(hint))
        set_enabled(self.input_area, not read_only)
        self._updating = True
        try:
            self._show_value()
        finally:
            self._updating = False
        self._update_problem()

    def _state(self) -> Shown | None:
        """Everything shown that comes from the session (None when not relevant)."""
        if not self.node.is_relevant():
            return None
        hint = pick_translation(self.element.hints, self.session.language)
        problem = self.session.problem(self.node)
        return Shown(self.session.label(self.node), self.session.render(hint, self.node),
                     self._flag("required"), self._flag("readonly"),
                     (self.node.value, problem.message if problem is not None else "",
                      self._touched, self._show_all, self._local_error, *self._more_state()))

    def _more_state(self) -> tuple[object, ...]:
        """What else a kind of question shows from the session (the options of a select)."""
        return ()

    def focus_input(self) -> None:
        """Put the keyboard focus in this question's input."""
        target = self._focus_target()
        if target is not None and target.isEnabled():
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def takes_focus(self) -> bool:
        """Whether this question has an input that Enter and jumps can move the focus to."""
        return self._focus_target() is not None and self.input_area.isEnabled()

    def appearances(self) -> set[str]:
        """The words of the question's ``appearance`` column."""
        return set(self.element.appearance.lower().split())

    def show_all_problems(self) -> None:
        """Show the problem even if the user has not touched the question yet."""
        self._show_all = True
        self._update_problem()

    def label_text(self) -> str:
        """The question's label as shown now (references filled in, current language)."""
        return self._label_text

    def is_required(self) -> bool:
        """Whether the question is marked as required now."""
        return self._required

    def problem_text(self) -> str:
        """The problem shown under the question now ("" when none is shown)."""
        return self.problem_label.text() if not self.problem_label.isHidden() else ""

    # -- inner workings -------------------------------------------------------------------
    def _update_problem(self) -> None:
        message = self._local_error
        if not message and (self._touched or self._show_all):
            problem = self.session.problem(self.node)
            message = problem.message if problem is not None else ""
        set_text(self.problem_label, message)
        set_visible(self.problem_label, bool(message))

    def _flag(self, what: str) -> bool:
        """Whether the element's ``required`` or ``readonly`` holds for this node now."""
        text = self.element.required if what == "required" else self.element.readonly
        if not text:
            return False
        if text == "true()":
            return True
        expr = self.session.compiled.exprs.get((self.element.path, what))
        if expr is None:
            return False
        try:
            return to_boolean(evaluate(expr, Ctx(self.node, self.node, self.session.env)))
        except XPathEvalError:
            return False
