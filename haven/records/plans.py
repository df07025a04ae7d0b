"""New records made from a plan prepared once per model, not by Django's generic
``Model.__init__`` on every one.

An import makes three records or more per row. ``Model(**values)`` walks every field
of the model for each of them: it asks each field for its default through two calls,
sets each value through the field's descriptor, and sends the ``pre_init`` and
``post_init`` signals. ``RecordPlan`` works all that out once: which defaults are
constants (copied into the new record as they are), which are made anew for each
record (a UUID, a code, a time: the field's own ``get_default``), and which names are
references (set as Django's descriptor sets them: the id, the cached object, the
database). The record it makes is the same unsaved instance ``Model(**values)`` makes;
``haven/imports/tests/test_plans.py`` compares the two field by field, and the records
an import makes with and without plans.

A model with ``pre_init``/``post_init`` listeners, and any name that is not a
concrete field (a property such as ``start``), goes through ``Model(**values)``:
plans only speed up what they know to be equal. ``ENABLED = False`` turns plans off
(the tests compare both paths).
"""

from __future__ import annotations

from django.db import router
from django.db.models import Field, signals
from django.db.models.base import ModelState

# Off: every record made by Model(**values), the general path (for the comparison tests).
ENABLED = True

_plans: dict[type, RecordPlan] = {}


def plan_for(model) -> RecordPlan:
    """The plan of ``model``, made on first use (a model's fields are fixed once loaded)."""
    plan = _plans.get(model)
    if plan is None:
        plan = _plans[model] = RecordPlan(model)
    return plan


def new_record(model, **values):
    """An unsaved ``model(**values)``, made from the model's plan where one applies."""
    return plan_for(model).new(values)


class RecordPlan:
    """How to make unsaved records of one model: its defaults and its references."""

    def __init__(self, model):
        meta = model._meta
        self.model = model
        self.alias = router.db_for_write(model)
        self.constants: dict[str, object] = {}  # attname → a default the same for all
        self.made: list[tuple[str, object]] = []  # (attname, the field's get_default)
        self.plain: dict[str, str] = {}  # name or attname → attname
        self.references: dict[str, tuple] = {}  # name → (attname, target, its attname)
        for field in meta.concrete_fields:
            if field.generated or field.column is None:
                continue
            if field.has_default() and callable(field.default):
                # Field.get_default calls a callable default and returns what it gives;
                # a field class with a get_default of its own keeps it.
                plain = type(field).get_default is Field.get_default
                self.made.append((field.attname, field.default if plain else field.get_default))
            else:
                # A constant (or no default: None or ""), as Model.__init__ gets it: the
                # same object for every record, as Django gives it too.
                self.constants[field.attname] = field.get_default()
            self.plain[field.attname] = field.attname
            if field.is_relation:
                target = field.remote_field.model._meta.concrete_model
                self.references[field.name] = (field.attname, target, field.target_field.attname)
            else:
                self.plain[field.name] = field.attname

    @property
    def usable(self) -> bool:
        """Whether the plan makes the same record as ``Model(**values)``: not when signals
        listen to the record's making (they would not be sent)."""
        model = self.model
        return ENABLED and not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )

    def new(self, values: dict):
        model = self.model
        if not self.usable or not values.keys() <= (self.plain.keys() | self.references.keys()):
            return model(**values)
        record = model.__new__(model)
        state = record._state = ModelState()
        data = record.__dict__
        data.update(self.constants)
        for attname, default in self.made:
            data[attname] = default()
        references = self.references
        for name, value in values.items():
            reference = references.get(name)
            if reference is None:
                data[self.plain[name]] = value
                continue
            attname, target, target_attname = reference
            if value is None:
                data[attname] = None
                state.fields_cache[name] = None
                continue
            if not isinstance(value, target):
                return model(**values)  # Django's own error for the wrong kind of object
            # As ForwardManyToOneDescriptor.__set__: the database, the id, the object.
            if state.db is None:
                state.db = self.alias
            if value._state.db is None:
                value._state.db = self.alias
            data[attname] = value.__dict__.get(target_attname)
            state.fields_cache[name] = value
        return record


__all__ = ["ENABLED", "RecordPlan", "new_record", "plan_for"]
