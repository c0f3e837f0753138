"""The form's pages: which top-level elements go on each, and the scrolling page widget."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFrame,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.forms.label_markdown import label_plain
from fieldsafe.forms.model import FormDef, FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.ui.filler.base import QuestionWidget, set_text, set_visible
from fieldsafe.ui.filler.sections import (
    Builder,
    GroupSection,
    RepeatSection,
    heading_label,
    hint_label,
    renders,
)

TITLE_LENGTH = 60
MAX_WIDTH = 960  # wider lines are hard to read


@dataclass(slots=True)
class PagePlan:
    """A page: one top-level group or repeat, or a run of top-level questions."""

    elements: list[FormElement] = field(default_factory=list)

    @property
    def container(self) -> FormElement | None:
        """The group or repeat that makes up the page (None for a run of questions)."""
        first = self.elements[0]
        return first if first.kind != "question" else None


def plan_pages(form: FormDef) -> list[PagePlan]:
    """Each top-level group and repeat is a page; consecutive questions outside groups share
    one. What shows nothing (metadata, hidden questions, groups of them) makes no page."""
    pages: list[PagePlan] = []
    run: PagePlan | None = None
    for element in form.root.children:
        if not renders(element):
            continue
        if element.kind == "question":
            if run is None:
                run = PagePlan()
                pages.append(run)
            run.elements.append(element)
        else:
            run = None
            pages.append(PagePlan([element]))
    return pages


class FormPage(QScrollArea):
    """One page of the form, scrolling when it is taller than the window."""

    def __init__(self, builder: Builder, plan: PagePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.builder = builder
        self.plan = plan
        session = builder.session
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.content = QWidget(self)
        self.content.setObjectName("page_content")
        self.content.setMaximumWidth(MAX_WIDTH)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(24, 16, 24, 24)
        layout.setSpacing(10)
        self.heading = heading_label("", self.content, 1.35)
        self.hint = hint_label(self.content)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        container = plan.container
        self.node: XNode = session.root
        if container is not None and container.kind == "group":
            group = session.root.child(container.name)
            assert group is not None
            self.node = group
            builder.fill(layout, self.content, container.children, group)
        elif container is not None:
            layout.addWidget(RepeatSection(builder, container, session.root, self.content,
                                           show_title=False))
        else:
            builder.fill(layout, self.content, plan.elements, session.root)
        layout.addStretch(1)
        self.setWidget(self.content)
        self.update_heading()
        self.fix_tab_order()

    @property
    def session(self) -> FormSession:
        return self.builder.session

    def title(self) -> str:
        """The page's name: its group's or repeat's label, else its first question's."""
        container = self.plan.container
        if container is not None:
            return self.builder.title(container, self.node) or container.name
        for element in self.plan.elements:
            node = self.node.child(element.name)
            text = label_plain(self.session.label(node)) if node is not None else ""
            if text:
                return text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH - 1] + "…"
        return self.plan.elements[0].name

    def is_relevant(self) -> bool:
        """Whether the page has anything to show now."""
        if self.plan.container is not None:
            return self.node.is_relevant()
        nodes = (self.node.child(e.name) for e in self.plan.elements)
        return any(n is not None and n.is_relevant() for n in nodes)

    def top_names(self) -> set[str]:
        """The names of the top-level elements on this page."""
        return {e.name for e in self.plan.elements}

    def questions(self) -> list[QuestionWidget]:
        """The page's question widgets, in form order."""
        return self.content.findChildren(QuestionWidget)

    def sync_repeats(self) -> bool:
        """Rebuild repeat instances that were added, removed or moved; True if any was."""
        changed = False
        for section in self.content.findChildren(RepeatSection):
            if self.content.isAncestorOf(section):
                changed = section.sync() or changed
        return changed

    def update_heading(self) -> None:
        set_text(self.heading, self.title())
        container = self.plan.container
        hint = self.builder.hint(container, self.node) if container is not None else ""
        set_text(self.hint, hint)
        set_visible(self.hint, bool(hint))

    def refresh(self) -> None:
        """Bring everything on the page up to date with the session."""
        rebuilt = self.sync_repeats()
        self.update_heading()
        for group in self.content.findChildren(GroupSection):
            group.refresh()
        for section in self.content.findChildren(RepeatSection):
            section.refresh()
        for question in self.questions():
            question.refresh()
            rebuilt = rebuilt or question.controls_rebuilt
            question.controls_rebuilt = False
        if rebuilt:
            self.fix_tab_order()

    def fix_tab_order(self) -> None:
        """Make Tab follow the form, also through controls made later (new repeat instances,
        options after a choice filter)."""
        window = self.window()
        chain = [w for w in self.content.findChildren(QWidget)
                 if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.window() is window
                 and w.focusProxy() is None and not isinstance(w.parentWidget(), QComboBox)
                 and not isinstance(w.parentWidget(), QAbstractSpinBox)]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
