"""Import aiogram with its pydantic validators built on first use instead of all at import.

aiogram declares its ~300 Telegram types with pydantic's `defer_build`, but the end of
`aiogram.types` then calls `model_rebuild()` on every one of them to resolve their forward
references, which builds every validator at once: 145 MiB and ~2 s of `import aiogram`
(aiogram issue #1513), although the bot only ever sees a handful of types (Update, Message,
CallbackQuery …) and calls a handful of methods.

`import_aiogram()` imports aiogram with those import-time rebuilds only recorded, then adds the
names of the namespace aiogram passed them to the modules that define its models (where the
annotations' forward references are looked up; aiogram imports them there only for type
checkers). pydantic's own lazy path — the mock validator of a deferred model rebuilds it on
first use, and so do methods and `Response[...]` whose creation met a deferred type — then
resolves the same references, one model at a time. Nothing else changes: the same classes,
the same schemas, validated the same way (tests/test_aiogram_lazy.py builds every type and
method and compares them with an eager import).

Call it before anything imports aiogram; if aiogram is already imported it does nothing.
`prebuild()` then builds, at start-up, the validators a bot uses on every update (the Update,
the methods it calls and their responses): building one on first use takes long enough
(Message reaches most of the types) that a worker's first tap would wait for it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

_AIOGRAM = "aiogram."


def _aiogram_models() -> list[type[BaseModel]]:
    """Every pydantic model class aiogram defines (not generic parametrisations)."""
    found: list[type[BaseModel]] = []
    stack: list[type[BaseModel]] = [BaseModel]
    seen: set[type] = set()
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub in seen:
                continue
            seen.add(sub)
            stack.append(sub)
            if sub.__module__.startswith(_AIOGRAM):
                found.append(sub)
    return found


def import_aiogram() -> bool:
    """Import aiogram lazily (see the module's docstring). False if it was imported already."""
    if "aiogram" in sys.modules:
        return False
    namespace: dict[str, Any] = {}
    eager = BaseModel.__dict__["model_rebuild"]  # the classmethod object itself

    def record(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: dict[str, Any] | None = None,
    ) -> bool | None:
        deferred = cls.model_config.get("defer_build", False)
        if (
            deferred
            and not force
            and _types_namespace is not None
            and cls.__module__.startswith(_AIOGRAM)
        ):
            namespace.update(_types_namespace)
            return None
        return eager.__func__(  # type: ignore[no-any-return]
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,  # this frame
            _types_namespace=_types_namespace,
        )

    BaseModel.model_rebuild = classmethod(record)  # type: ignore[method-assign, assignment]
    try:
        import aiogram
        import aiogram.methods  # noqa: F401
    finally:
        BaseModel.model_rebuild = eager  # type: ignore[method-assign]
    for module in {sys.modules[cls.__module__] for cls in _aiogram_models()}:
        for name, value in namespace.items():  # the names its annotations refer to
            module.__dict__.setdefault(name, value)
    return True


def prebuild(models: Iterable[type[BaseModel]], methods: Iterable[type[Any]]) -> None:
    """Build the validators of `models`, of the aiogram methods `methods` and of the responses
    those methods return (what aiogram's session validates a reply with) now."""
    from aiogram.methods.base import Response

    wanted = list(models)
    for method in methods:
        wanted += [method, Response[method.__returning__]]  # type: ignore[name-defined]
    for model in wanted:
        model.model_rebuild()
