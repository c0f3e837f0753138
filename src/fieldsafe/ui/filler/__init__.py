"""The form filler: question widgets and the paged widget that fills in a FormSession.

- :class:`.form_filler.FormFillerWidget`: pages, outline, progress, language, finalize checks
- :class:`.base.QuestionWidget` and its kinds in :mod:`.question_widgets` and the modules it
  imports (choices, rank and range, dates and times, locations, files)
- :class:`.context.FillerContext`: the host's optional services (GPX, files, photo widget)
"""

from fieldsafe.ui.filler.base import QuestionWidget
from fieldsafe.ui.filler.context import FillerContext
from fieldsafe.ui.filler.form_filler import FormFillerWidget
from fieldsafe.ui.filler.question_widgets import create_question_widget

__all__ = ["FillerContext", "FormFillerWidget", "QuestionWidget", "create_question_widget"]
