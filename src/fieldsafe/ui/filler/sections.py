"""Building a part of the form: questions, titled group sections and repeat lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.forms.model import FormElement, pick_translation
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.ui.filler.base import (
    HINT_COLOUR,
    QuestionWidget,
    discard,
    set_text,
    set_visible,
)
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.question_widgets import HIDDEN_TYPES, create_question_widget


def renders(element: FormElement) -> bool:
    """Whether ``element`` shows anything in the filler."""
    if element.kind == "question":
        return element.qtype not in HIDDEN_TYPES and not (
            element.qtype == "calculate" and not element.labels)
    if element.kind == "repeat":
        return True
    return any(renders(child) for child in element.children)


class Builder:
    """Makes the widgets of a part of the form and connects them to the filler."""

    def __init__(self, session: FormSession, context: FillerContext, *,
                 on_answered: Callable[[], None],
                 on_advance: Callable[[QuestionWidget], None],
                 on_structure: Callable[[XNode | None], None],
                 confirm: Callable[[str], bool]) -> None:
        self.session = session
        self.context = context
        self.on_answered = on_answered
        self.on_advance = on_advance
        self.on_structure = on_structure
        self.confirm = confirm
        self.show_all = False  # new questions show their problems at once (after finalize)

    def title(self, element: FormElement, node: XNode) -> str:
        return self.session.render(pick_translation(element.labels, self.session.language),
                                   node)

    def hint(self, element: FormElement, node: XNode) -> str:
        return self.session.render(pick_translation(element.hints, self.session.language), node)

    def fill(self, layout: QVBoxLayout, parent: QWidget, elements: Iterable[FormElement],
             node: XNode) -> None:
        """Add the widgets of ``elements`` (children of ``node``'s element) to ``layout``."""
        for element in elements:
            if not renders(element):
                continue
            if element.kind == "repeat":
                layout.addWidget(RepeatSection(self, element, node, parent))
                continue
            target = node.child(element.name)
            if target is None:
                continue
            if element.kind == "group":
                layout.addWidget(GroupSection(self, element, target, parent))
                continue
            widget = create_question_widget(self.session, target, self.context, parent)
            if widget is None:
                continue
            widget.answered.connect(self.on_answered)
            widget.advance_requested.connect(lambda w=widget: self.on_advance(w))
            if self.show_all:
                widget.show_all_problems()
            layout.addWidget(widget)


def heading_label(text: str, parent: QWidget, size: float = 1.1) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * size)
    label.setFont(font)
    return label


def hint_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {HINT_COLOUR};")
    return label


class GroupSection(QFrame):
    """A group inside a page: its title, then its questions, indented."""

    def __init__(self, builder: Builder, element: FormElement, node: XNode,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.builder, self.element, self.node = builder, element, node
        self.setObjectName("group_section")
        self.setStyleSheet("QFrame#group_section { border-left: 3px solid #c5cae9; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 0, 4)
        layout.setSpacing(8)
        self.title = heading_label("", self)
        self.hint = hint_label(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        builder.fill(layout, self, element.children, node)
        self.refresh()

    def refresh(self) -> None:
        relevant = self.node.is_relevant()
        set_visible(self, relevant)
        if not relevant:
            return
        title = self.builder.title(self.element, self.node)
        hint = self.builder.hint(self.element, self.node)
        set_text(self.title, title)
        set_visible(self.title, bool(title))
        set_text(self.hint, hint)
        set_visible(self.hint, bool(hint))


class RepeatSection(QWidget):
    """A repeat: its instances, each in a frame with Move up, Move down and Remove, and an
    Add button (not when a repeat_count decides how many there are)."""

    def __init__(self, builder: Builder, element: FormElement, parent_node: XNode,
                 parent: QWidget | None = None, show_title: bool = True) -> None:
        super().__init__(parent)
        self.builder, self.element, self.parent_node = builder, element, parent_node
        self.setObjectName(f"repeat_{element.answer_key}")
        self._show_title = show_title
        self._shown_state: object = None
        self.nodes: list[XNode] = []
        self.frames: list[QFrame] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(10)
        self.title = heading_label("", self)
        self.hint = hint_label(self)
        self.empty = QLabel(self)
        self.empty.setStyleSheet("font-style: italic;")
        self.instances = QVBoxLayout()
        self.instances.setSpacing(12)
        self.add_button = QPushButton(self)
        self.add_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.add_button.clicked.connect(self.add)
        for widget in (self.title, self.hint, self.empty):
            layout.addWidget(widget)
        layout.addLayout(self.instances)
        layout.addWidget(self.add_button)
        self.sync()
        self.refresh()

    def label(self) -> str:
        return self.builder.title(self.element, self.parent_node) or self.element.name

    def instance_nodes(self) -> list[XNode]:
        return list(self.parent_node.children_named(self.element.name))

    def sync(self) -> bool:
        """Rebuild the instance frames if instances were added, removed or moved."""
        nodes = self.instance_nodes()
        if len(nodes) == len(self.nodes) and all(
                a is b for a, b in zip(nodes, self.nodes, strict=True)):
            return False
        focus = QApplication.focusWidget()
        had_focus = focus is not None and any(f.isAncestorOf(focus) for f in self.frames)
        for frame in self.frames:
            discard(frame)
        self.nodes = nodes
        self._shown_state = None
        self.frames = [self._frame(node) for node in nodes]
        for frame in self.frames:
            self.instances.addWidget(frame)
        if had_focus:  # what had the focus is gone: keep it in this list
            self.add_button.setFocus()
        return True

    def _frame(self, node: XNode) -> QFrame:
        frame = QFrame(self)
        frame.setObjectName("repeat_instance")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(8)
        header = QHBoxLayout()
        title = heading_label("", frame, 1.0)
        title.setObjectName("instance_title")
        header.addWidget(title, 1)
        counted = bool(self.element.repeat_count)
        for text, name, action in (
                (self.tr("Move up"), "move_up", lambda: self.move_instance(node, -1)),
                (self.tr("Move down"), "move_down", lambda: self.move_instance(node, 1)),
                (self.tr("Remove"), "remove", lambda: self.remove(node))):
            button = QPushButton(text, frame)
            button.setObjectName(name)
            button.setAccessibleName(text)
            button.clicked.connect(action)
            button.setVisible(not counted)
            header.addWidget(button)
        layout.addLayout(header)
        self.builder.fill(layout, frame, self.element.children, node)
        return frame

    def refresh(self) -> None:
        """Titles in the current language, relevance of the instances, the Add button."""
        label = self.label()
        hint = self.builder.hint(self.element, self.parent_node)
        state = (label, hint, self.parent_node.is_relevant(),
                 [node.is_relevant() for node in self.nodes])
        if state == self._shown_state:
            return
        self._shown_state = state
        set_text(self.title, label)
        set_visible(self.title, self._show_title)
        set_text(self.hint, hint)
        set_visible(self.hint, self._show_title and bool(hint))
        set_visible(self, self.parent_node.is_relevant())
        set_text(self.empty, self.tr("None added yet."))
        set_visible(self.empty, not self.nodes)
        self.add_button.setText(self.tr("Add {label}").format(label=label))
        self.add_button.setAccessibleName(self.add_button.text())
        set_visible(self.add_button, not self.element.repeat_count)
        for number, (node, frame) in enumerate(zip(self.nodes, self.frames, strict=True), 1):
            set_visible(frame, node.is_relevant())
            title = self.tr("{label} {number}").format(label=label, number=number)
            heading = frame.findChild(QLabel, "instance_title")
            if heading is not None:
                heading.setText(title)
            for name in ("move_up", "move_down", "remove"):
                button = frame.findChild(QPushButton, name)
                if button is None:
                    continue
                button.setAccessibleDescription(title)
                if name == "move_up":
                    button.setEnabled(number > 1)
                elif name == "move_down":
                    button.setEnabled(number < len(self.nodes))

    def add(self) -> None:
        node = self.builder.session.add_repeat(self.element, self.parent_node)
        self.builder.on_structure(node)

    def remove(self, node: XNode) -> None:
        number = self.nodes.index(node) + 1 if node in self.nodes else 0
        title = self.tr("{label} {number}").format(label=self.label(), number=number)
        if self.builder.confirm(self.tr("Remove {title} and all its answers?").format(
                title=title)):
            self.builder.session.remove_repeat(node)
            self.builder.on_structure(None)

    def move_instance(self, node: XNode, offset: int) -> None:
        self.builder.session.move_repeat(node, offset)
        self.builder.on_structure(node)
