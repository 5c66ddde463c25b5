"""Python policies for planners: ``--policy module.path:function`` or ``--policy file.py:function``.

The target is imported and used in one of two ways:

* a **policy**: any callable ``policy(snapshot, card) -> option_id``, where ``snapshot``
  is the engine's immutable :class:`~crisissim.engine.snapshot.Snapshot` and ``card``
  the scenario's ``DecisionCard`` (``card.id``, ``card.options[i].id``, ``card.default``…);
* a **factory** called once per run as ``factory(scenario, seed)`` and returning such a
  policy: a class, a function decorated with :func:`policy_factory`, or a function
  whose first parameter is named ``scenario``.

A policy may have ``name`` (used in logs and reports; default ``module:function``),
``scheduled_actions() -> [(minutes, action_id), ...]`` for actions taken at set times, and
``reads() -> [(name, argument), ...]``: condition-language values (``("fired", "hub-long")``) the
engine reads as each card shows and puts in the snapshot's ``readings`` (``snapshot.holds(cond)``).
Answers are checked: an option the card does not have is a :class:`PolicyError`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

from crisissim.policy.builtin import PolicyError, option_ids

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ATTR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def policy_factory(fn):
    """Mark ``fn`` as a factory: ``--policy mod:fn`` then calls ``fn(scenario, seed)`` once per run."""
    fn.__crisissim_policy_factory__ = True
    return fn


def _is_factory(obj) -> bool:
    if inspect.isclass(obj):
        return True
    if getattr(obj, "__crisissim_policy_factory__", False):
        return True
    try:
        params = list(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "scenario"


class CallablePolicy:
    """A Python callable used as a policy: gives it a ``name`` and checks its answers."""

    def __init__(self, fn, name: str):
        self.fn = fn
        self.name = name
        if hasattr(fn, "scheduled_actions"):
            self.scheduled_actions = fn.scheduled_actions
        if hasattr(fn, "reads"):
            self.reads = fn.reads

    @classmethod
    def wrap(cls, fn, scenario=None, seed: int = 0, name: str | None = None) -> CallablePolicy:
        own = getattr(fn, "name", None)
        if not isinstance(own, str) or not own:
            own = name or getattr(fn, "__qualname__", None) or type(fn).__qualname__
        policy = cls(fn, own)
        if scenario is not None and hasattr(policy, "scheduled_actions"):
            check_scheduled(policy, scenario)
        if scenario is not None and hasattr(policy, "reads"):
            check_reads(policy, scenario)
        return policy

    def __call__(self, snapshot, card) -> str:
        try:
            option = self.fn(snapshot, card)
        except PolicyError:
            raise
        except Exception as e:  # a planner's bug: one line for the CLI, the cause chained
            raise PolicyError(f"policy {self.name!r} failed on card {card.id!r}: {type(e).__name__}: {e}") from e
        ids = option_ids(card)
        if not isinstance(option, str) or option not in ids:
            raise PolicyError(
                f"policy {self.name!r} answered {option!r} on card {card.id!r} (expected one of: {', '.join(ids)})"
            )
        return option

    def __repr__(self) -> str:
        return f"<CallablePolicy {self.name}>"


def check_scheduled(policy, scenario) -> None:
    """Check a policy's ``scheduled_actions()``: (minutes, known action id) pairs."""
    known = [a.id for a in scenario.actions]
    try:
        items = list(policy.scheduled_actions())
    except PolicyError:
        raise
    except Exception as e:
        raise PolicyError(f"policy {policy.name!r}: scheduled_actions() failed: {type(e).__name__}: {e}") from e
    for item in items:
        try:
            t, action = item
            t = float(t)
        except (TypeError, ValueError):
            raise PolicyError(
                f"policy {policy.name!r}: scheduled_actions() must give (minutes, action_id) pairs, got {item!r}"
            ) from None
        if action not in known:
            raise PolicyError(
                f"policy {policy.name!r}: unknown action {action!r} (expected one of: {', '.join(known) or 'none'})"
            )
        if not t >= 0:
            raise PolicyError(f"policy {policy.name!r}: action {action!r} scheduled at {t!r} minutes (must be >= 0)")


def check_reads(policy, scenario) -> None:
    """Check a policy's ``reads()``: (name, argument) pairs of the scenario's condition language."""
    from crisissim.engine.simulation import policy_reads

    try:
        policy_reads(policy, scenario)
    except ValueError as e:
        raise PolicyError(str(e)) from None
    except Exception as e:
        raise PolicyError(f"policy {policy.name!r}: reads() failed: {type(e).__name__}: {e}") from e


def _import_target(module: str):
    if module.endswith(".py") or "/" in module or "\\" in module:
        path = Path(module)
        if not path.is_file():
            raise PolicyError(f"policy file {module!r} not found")
        name = "crisissim_policy_" + re.sub(r"\W", "_", str(path.resolve()))
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise PolicyError(f"cannot import policy file {module!r}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        try:
            spec.loader.exec_module(mod)
        except Exception as e:
            del sys.modules[name]
            raise PolicyError(f"importing policy file {module!r} failed: {type(e).__name__}: {e}") from e
        return mod
    if not _MODULE.match(module):
        raise PolicyError(f"{module!r} is not a module path (expected module.path:function)")
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise PolicyError(f"cannot import policy module {module!r}: {e}") from e
    except Exception as e:
        raise PolicyError(f"importing policy module {module!r} failed: {type(e).__name__}: {e}") from e


def load_callable(spec: str, scenario=None, seed: int = 0) -> CallablePolicy:
    """Import ``module.path:function`` (or ``file.py:function``) and make a policy of it."""
    module, sep, attr = spec.strip().rpartition(":")
    if not sep or not module or not attr:
        raise PolicyError(f"policy {spec!r}: expected module.path:function")
    if not _ATTR.match(attr):
        raise PolicyError(f"policy {spec!r}: {attr!r} is not a function name")
    obj = _import_target(module)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise PolicyError(f"policy {spec!r}: module {module!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise PolicyError(f"policy {spec!r}: {attr!r} is a {type(obj).__name__}, not a callable")
    name = f"{module}:{attr}"
    if _is_factory(obj):
        try:
            made = obj(scenario, seed)
        except PolicyError:
            raise
        except Exception as e:
            raise PolicyError(f"policy factory {spec!r} failed: {type(e).__name__}: {e}") from e
        if not callable(made):
            raise PolicyError(
                f"policy factory {spec!r} returned a {type(made).__name__}, not a callable (snapshot, card) -> option_id"
            )
        obj = made
    else:
        try:
            inspect.signature(obj).bind(None, None)
        except TypeError:
            raise PolicyError(
                f"policy {spec!r} must take (snapshot, card) (or be a factory taking (scenario, seed))"
            ) from None
        except ValueError:
            pass  # no signature to inspect (some builtins): try it at the first card
    return CallablePolicy.wrap(obj, scenario, seed, name=name)
