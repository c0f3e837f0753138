"""The form filler: pages of questions, an outline, progress, language and finalize checks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldsafe.forms.model import FormElement
from fieldsafe.forms.session import FormSession
from fieldsafe.forms.validation import Problem, instance_path, problems
from fieldsafe.forms.xpath.nodes import XNode
from fieldsafe.ui.filler.base import PROBLEM_COLOUR, QuestionWidget, set_enabled
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.pages import FormPage, plan_pages
from fieldsafe.ui.filler.sections import Builder

#: Question types that count towards progress (the ones a person answers).
_ANSWERABLE_SKIP = frozenset({"note", "calculate", "hidden", "metadata", "trigger"})


class FormFillerWidget(QWidget):
    """Fills in a form session page by page. Answers go straight into the session."""

    #: Any answer changed (the host debounces this for autosave).
    changed = Signal()
    #: The page shown changed (its index).
    page_changed = Signal(int)

    def __init__(self, session: FormSession, context: FillerContext | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.context = context or FillerContext()
        self._checked = False  # validate_for_finalize was called: mark pages with problems
        self.builder = Builder(session, self.context, on_answered=self._after_change,
                               on_advance=self._advance, on_structure=self._structure_changed,
                               confirm=lambda text: self.confirm_remove(text))
        self.outline = QListWidget(self)
        self.outline.setAccessibleName(self.tr("Pages"))
        self.outline.setSpacing(3)
        self.outline.setWordWrap(True)
        self.outline.currentRowChanged.connect(self._outline_picked)
        self.stack = QStackedWidget(self)
        self.pages = [FormPage(self.builder, plan, self.stack)
                      for plan in plan_pages(session.form)]
        for page in self.pages:
            self.stack.addWidget(page)
            self.outline.addItem(page.title())
        self._stale: set[int] = set()
        self._chrome_state: object = None
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(self.tr("Progress"))
        self.previous_button = QPushButton(self.tr("← Previous"), self)
        self.next_button = QPushButton(self.tr("Next →"), self)
        self.previous_button.setAccessibleName(self.tr("Previous page"))
        self.next_button.setAccessibleName(self.tr("Next page"))
        self.previous_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(1))
        self.language_box: QComboBox | None = None
        self._layout()
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self._step(step))
        if self.pages:
            self._show(next((i for i, p in enumerate(self.pages) if p.is_relevant()), 0))
        self._update_chrome()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        languages = self.session.form.languages
        if len(languages) > 1:
            self.language_box = QComboBox(self)
            self.language_box.setAccessibleName(self.tr("Language of the form"))
            for language in languages:
                name = self.tr("Default") if language == "default" else language
                self.language_box.addItem(name, language)
            index = languages.index(self.session.language) \
                if self.session.language in languages else 0
            self.language_box.setCurrentIndex(index)
            self.language_box.currentIndexChanged.connect(
                lambda i: self.set_language(languages[i]))
            label = QLabel(self.tr("Language:"), self)
            label.setBuddy(self.language_box)
            top.addSpacing(16)
            top.addWidget(label)
            top.addWidget(self.language_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.stack, 1)
        column.addLayout(buttons)
        splitter = QSplitter(self)
        splitter.addWidget(self.outline)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 780])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # -- public ---------------------------------------------------------------------------
    def current_page(self) -> int:
        return self.stack.currentIndex()

    def page_titles(self) -> list[str]:
        return [page.title() for page in self.pages]

    def go_to_page(self, index: int) -> None:
        """Show page ``index`` (0-based)."""
        if not 0 <= index < len(self.pages):
            raise IndexError(index)
        if index != self.current_page():
            self._show(index)
            self._update_chrome()
            self.page_changed.emit(index)

    def widget_for(self, name: str | FormElement, *indexes: int) -> QuestionWidget:
        """The widget of a question, its answer key or its name (``indexes`` pick repeat
        instances, 1-based)."""
        node = self.session.node(name, *indexes)
        for page in self.pages:
            for widget in page.questions():
                if widget.node is node:
                    return widget
        raise KeyError(name)

    def set_language(self, language: str) -> None:
        """Show labels, choices and messages in ``language`` (one of the form's)."""
        self.session.language = language
        self.session.env.language = language
        self.session.recompute()  # the problems' messages come in the new language
        if self.language_box is not None:
            index = self.language_box.findData(language)
            if index >= 0 and index != self.language_box.currentIndex():
                self.language_box.setCurrentIndex(index)
        self._refresh_all()

    def validate_for_finalize(self) -> list[Problem]:
        """Show every problem under its question and go to the first one; an empty list
        means the form can be finalized."""
        self._checked = True
        self.builder.show_all = True
        self._refresh_all()
        for page in self.pages:
            for widget in page.questions():
                widget.show_all_problems()
        found = problems(self.session)
        if found:
            self.focus_problem(found[0])
        self._update_chrome()
        return found

    def focus_problem(self, problem: Problem) -> None:
        """Go to the page of ``problem`` and put the focus in its question."""
        for index, page in enumerate(self.pages):
            for widget in page.questions():
                if instance_path(self.session, widget.node) == problem.path:
                    self.go_to_page(index)
                    self._focus(page, widget)
                    return

    def confirm_remove(self, text: str) -> bool:
        """Asks before a repeat instance is removed (tests replace this)."""
        answer = QMessageBox.question(
            self, self.tr("Remove"), text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def answers_changed(self) -> None:
        """Answers were changed outside the question widgets (a photo the window stored
        after its widget was rebuilt): show them, and emit ``changed`` (the autosave)."""
        self._after_change()

    # -- inner workings -------------------------------------------------------------------
    def _show(self, index: int) -> None:
        page = self.pages[index]
        if index in self._stale:
            self._stale.discard(index)
            page.refresh()
        self.stack.setCurrentIndex(index)

    def _step(self, step: int) -> None:
        target = self._neighbour(step)
        if target is not None:
            self.go_to_page(target)
            first = [w for w in self.pages[target].questions() if self._focusable(w)]
            if first:
                self._focus(self.pages[target], first[0])

    def _neighbour(self, step: int) -> int | None:
        index = self.current_page() + step
        while 0 <= index < len(self.pages):
            if self.pages[index].is_relevant():
                return index
            index += step
        return None

    def _outline_picked(self, row: int) -> None:
        if 0 <= row < len(self.pages) and row != self.current_page():
            self.go_to_page(row)

    def _after_change(self) -> None:
        for page in self.pages:
            page.sync_repeats()
        current = self.current_page()
        if current >= 0:
            self.pages[current].refresh()
        self._stale = set(range(len(self.pages))) - {current}
        self._update_chrome()
        self.changed.emit()

    def _structure_changed(self, focus: XNode | None) -> None:
        self._after_change()
        if focus is None:
            return
        page = self.pages[self.current_page()]
        for widget in page.questions():
            if focus in widget.node.ancestors() and self._focusable(widget):
                self._focus(page, widget)
                return

    def _refresh_all(self) -> None:
        for page in self.pages:
            page.refresh()
        self._stale.clear()
        self._update_chrome()

    def _advance(self, widget: QuestionWidget) -> None:
        """Enter in a question: focus the next one, or the next page's first."""
        page = self.pages[self.current_page()]
        order = [w for w in page.questions() if self._focusable(w) or w is widget]
        position = order.index(widget) if widget in order else -1
        if position + 1 < len(order):
            self._focus(page, order[position + 1])
        else:
            self._step(1)

    def _focusable(self, widget: QuestionWidget) -> bool:
        page = self.pages[self.current_page()]
        return widget.takes_focus() and widget.isVisibleTo(page)

    @staticmethod
    def _focus(page: FormPage, widget: QuestionWidget) -> None:
        widget.focus_input()
        page.ensureWidgetVisible(widget)

    def _update_chrome(self) -> None:
        """Outline, Previous/Next and progress, after answers or pages changed."""
        current = self.current_page()
        with_problems: set[str] = set()
        if self._checked:
            with_problems = {p.path.split("/")[2].split("[")[0] for p in problems(self.session)
                             if p.path.count("/") >= 2}
        answered, total = self._progress()
        pages = [(("⚠ " if page.top_names() & with_problems else "") + page.title(),
                  page.is_relevant()) for page in self.pages]
        state = (current, pages, answered, total)
        if state == self._chrome_state:
            return
        self._chrome_state = state
        self.outline.blockSignals(True)
        for index, (text, relevant) in enumerate(pages):
            item = self.outline.item(index)
            if item is None:
                continue
            if item.text() != text:
                item.setText(text)
                flagged = text.startswith("⚠")
                item.setForeground(QBrush(QColor(PROBLEM_COLOUR)) if flagged else QBrush())
            if item.isHidden() == relevant:
                item.setHidden(not relevant)
        if self.outline.currentRow() != current:
            self.outline.setCurrentRow(current)
        self.outline.blockSignals(False)
        set_enabled(self.previous_button, self._neighbour(-1) is not None)
        set_enabled(self.next_button, self._neighbour(1) is not None)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(answered)
        self.progress.setFormat(self.tr("{answered} of {total} questions answered").format(
            answered=answered, total=total))

    def _progress(self) -> tuple[int, int]:
        answered = total = 0
        for element in self.session.form.questions():
            if element.qtype in _ANSWERABLE_SKIP:
                continue
            for node in self.session.nodes_of(element):
                if node.is_relevant():
                    total += 1
                    answered += bool(node.value)
        return answered, total
