"""Auto runs on the server's side: a request's ``auto`` read into the settings a run is queued
with, and the kept candidate's settings a completed auto run ends with.

An auto run is an ordinary run record whose config carries ``"auto": {"budget": seconds,
"variations": [names]}`` beside the defaults every candidate varies (``nncore.auto``; the
variations are those whose settings this server's limits allow). When it completes, its
config becomes the kept candidate's settings with ``"auto": {"budget", "chosen"}``, so that
training it again (restart) is an ordinary run of those settings.

A server may bound an auto run's budget below nncore's ``MAX_BUDGET`` with
``LIMITS["max_auto_budget"]`` (seconds): the dataset's budget is then capped to it, and a
request for more is refused.
"""
from nncore.auto import BUDGET_RULE, MAX_BUDGET, auto_budget, candidates, check_budget
from nncore.config import TrainConfig, check_network_size
from nncore.defaults import SMALL_PICTURE_SIDE

from webapp.errors import BadRequest


def read_request(fields, summary, limits):
    """Pop ``auto`` and ``budget`` from the POST /api/runs fields -> ``{"budget": s}``, or
    None for an ordinary run.

    ``auto``: true (the budget is ``budget`` when given, else the dataset's, ``budget_for``),
    ``{"budget": s}``, or false / absent (an ordinary run, which takes no ``budget``);
    ``limits``: the server's (``max_auto_budget``).
    """
    auto, budget = fields.pop("auto", None), fields.pop("budget", None)
    if isinstance(auto, dict):
        if set(auto) - {"budget"} or budget is not None:
            raise BadRequest('auto must be true or {"budget": seconds}, with the budget '
                             "given once")
        auto, budget = True, auto.get("budget")
    if auto is None or auto is False:
        if budget is not None:
            raise BadRequest('budget is an auto run\'s: send "auto": true with it')
        return None
    if auto is not True:
        raise BadRequest(f'auto must be true, false or {{"budget": seconds}} (got {auto!r})')
    if budget is None:
        budget = budget_for(summary.get("n_samples"), limits)
    try:
        return {"budget": check_budget(budget, limits.get("max_auto_budget", MAX_BUDGET))}
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc


def plan(config, auto, summary, limits):
    """The ``auto`` a run is stored with: the budget and the variations of ``config`` whose
    settings stay within ``limits`` (the server's) for this dataset; 400 without validation
    rows (the search ranks by validation score)."""
    if not config.validation_split:
        raise BadRequest("validation_split: an auto run keeps the settings with the best "
                         "validation score, so it needs validation rows (above 0)")
    outputs = 1 if summary.get("task") == "regression" else len(summary.get("classes") or ())
    allowed = []
    for name, candidate in candidates(config):
        try:
            TrainConfig.from_dict(candidate.to_dict(), limits)
            check_network_size(candidate, summary["n_features"], outputs, limits)
        except ValueError:
            continue
        allowed.append(name)
    return {**auto, "variations": allowed}


def stored_config(config, auto):
    """What the runs table keeps of a run's settings: the config, with ``auto`` if any."""
    return {**config.to_dict(), "auto": auto} if auto else config.to_dict()


def for_restart(settings):
    """A run's stored config -> (settings without ``auto``, the ``auto`` to search again or
    None): a completed auto run trains its kept settings as an ordinary run; one that never
    finished searches again."""
    settings = dict(settings)
    auto = settings.pop("auto", None)
    if isinstance(auto, dict) and "chosen" not in auto:
        return settings, auto
    return settings, None


def ended_config(summary):
    """The config a completed run ends with: an auto run's kept settings with its budget and
    the kept candidate's name; None for an ordinary run (its config stays). Settings that are
    not a valid configuration are refused (400)."""
    auto = summary.get("auto")
    if auto is None:
        return None
    try:
        if not isinstance(auto, dict) or not isinstance(auto.get("settings"), dict):
            raise ValueError('auto must be {"settings", "budget", "chosen", ...}')
        settings = TrainConfig.from_dict(auto["settings"]).to_dict()
        budget = check_budget(auto.get("budget"))
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"result.auto: {exc}") from exc
    return {**settings, "auto": {"budget": budget, "chosen": str(auto.get("chosen"))}}


def budget_for(n_samples, limits):
    """The seconds an auto run of ``n_samples`` rows takes here: nncore's ``auto_budget``
    within the server's ``max_auto_budget``."""
    return min(auto_budget(n_samples or 0), limits.get("max_auto_budget", MAX_BUDGET))


def dataset_plan(n_samples, limits, image=None):
    """What the dataset page says of an auto run: ``{"budget", "rule"}`` (seconds, words);
    None for pictures that train as pictures (``image`` at least ``SMALL_PICTURE_SIDE`` a
    side): their default run alone, with its augmentation and pen digits, takes minutes, so
    the page offers no auto run for them (the API still starts one when asked)."""
    if image and min(image["height"], image["width"]) >= SMALL_PICTURE_SIDE:
        return None
    rule = BUDGET_RULE
    if "max_auto_budget" in limits:
        rule += f"; this server allows at most {limits['max_auto_budget']:g} s"
    return {"budget": budget_for(n_samples, limits), "rule": rule}
