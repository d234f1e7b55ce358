"""The base the items' mixins take for type checkers."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dvc.output import Output

    # The base of the items' mixins (UnknownWhenUnreadable, DoltMixin, FilesMixin,
    # StorageRecord), which are only ever mixed into Output (DoltOutput, ...): type
    # checkers see them as Output subclasses; at run time they derive from object,
    # so the classes' MRO is DoltOutput, DoltMixin, ..., Output, object.
    ItemBase = Output
else:
    ItemBase = object
