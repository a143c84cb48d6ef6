"""Read and validate the YAML rule base into frozen :class:`Rule` objects.

A rule file holds a list of rules (or ``{rules: [...]}``). Each rule has exactly one action:

- ``recommend: {loss, params}`` — a candidate loss, configured from literals or formulas
  (``{derive: NAME, OPTION: value}``, see :mod:`lossadvisor.advice.param_formulas`);
- ``adjust: {losses: [...], score: ±x}`` — shift the score of candidates already proposed
  (e.g. demote slow losses under a speed budget);
- ``advise: TEXT`` — a note that is not a loss (regularization, data handling).

A recommend rule's ``score: {default: x, OBJECTIVE: y}`` ranks its candidate; ``score_prior`` (same
form) is the hand-set score that ``lossadvisor rules fit`` shrinks the evidence toward
(:mod:`lossadvisor.advice.score_fit`), so the shipped ``score`` is reproduced from the evidence table.

Validation collects nothing silently: the first problem raises :class:`ConfigError` naming the
file, the rule ID and the key. Files are read with ``yaml.safe_load`` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from lossadvisor.advice.conditions import Condition, describe, facts_used, parse_condition
from lossadvisor.advice.param_formulas import DERIVATIONS
from lossadvisor.errors import ConfigError, LossAdvisorError
from lossadvisor.vocabulary import OBJECTIVES

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RULE_KEYS = {"id", "summary", "when", "recommend", "adjust", "advise", "score", "score_prior", "confidence",
             "rationale", "source", "caveats", "aliases"}
ACTIONS = ("recommend", "adjust", "advise")
CONFIDENCE = ("high", "medium", "low")


@dataclass(frozen=True)
class ParamRule:
    """One parameter: a literal ``value`` or a ``derive`` formula with its options."""

    name: str
    value: Any = None
    derive: str | None = None
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Rule:
    """One validated rule."""

    id: str
    summary: str
    when: Condition
    action: str
    source: str
    rationale: str = ""
    confidence: str = "medium"
    loss: str | None = None
    params: tuple[ParamRule, ...] = ()
    scores: tuple[tuple[str, float], ...] = (("default", 0.5),)
    prior: tuple[tuple[str, float], ...] | None = None  # the hand-set score the fitted one shrinks toward
    adjust_losses: tuple[str, ...] = ()
    adjust_by: float = 0.0
    advice: str = ""
    caveats: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    file: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def score_for(self, objective: str | None) -> float:
        """The rule's score under an objective (its ``default`` when not listed)."""
        table = dict(self.scores)
        return float(table.get(objective or "", table["default"]))

    @property
    def condition_text(self) -> str:
        return describe(self.when)

    @property
    def facts(self) -> set[str]:
        return facts_used(self.when)


@dataclass(frozen=True)
class RuleSet:
    """Rules by ID, in load order; user rules replace shipped ones with the same ID."""

    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule:
        """The rule with this ID or alias (case-insensitive: `imb-001` finds IMB-001)."""
        wanted = rule_id.upper()
        for rule in self.rules:
            if wanted in (rule.id.upper(), *(alias.upper() for alias in rule.aliases)):
                return rule
        raise ConfigError(f"unknown rule '{rule_id}' ({len(self.rules)} rules loaded)")

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def shipped_rules_dir() -> Path:
    """Where the shipped rule files live (the ``lossadvisor.rules_data`` package)."""
    try:
        from importlib.resources import files

        return Path(str(files("lossadvisor.rules_data")))
    except ModuleNotFoundError:  # running from a source tree without an install
        return Path(__file__).resolve().parent.parent / "rules"


def load_rules(extra: Path | str | None = None, include_shipped: bool = True) -> RuleSet:
    """The shipped rules, then the rules in ``extra`` (a file or folder) adding or overriding by ID."""
    by_id: dict[str, Rule] = {}
    if include_shipped:
        for rule in _read_dir(shipped_rules_dir()):
            if rule.id in by_id:
                raise ConfigError(f"{rule.file}: rule {rule.id}: duplicate id (also in {by_id[rule.id].file})")
            by_id[rule.id] = rule
    if extra is not None:
        seen: dict[str, str] = {}
        for rule in _read_path(Path(extra)):
            if rule.id in seen:
                raise ConfigError(f"{rule.file}: rule {rule.id}: duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = rule.file
            by_id[rule.id] = rule
    rules = tuple(by_id.values())
    _check_aliases(rules)
    return RuleSet(rules)


def _check_aliases(rules: tuple[Rule, ...]) -> None:
    ids = {rule.id for rule in rules}
    for rule in rules:
        for alias in rule.aliases:
            if alias in ids:
                raise ConfigError(f"{rule.file}: rule {rule.id}: key 'aliases': '{alias}' is another rule's id")


def _read_path(path: Path) -> list[Rule]:
    if path.is_dir():
        return _read_dir(path)
    if path.is_file():
        return read_rule_file(path)
    raise ConfigError(f"rules path not found: {path}")


def _read_dir(folder: Path) -> list[Rule]:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    if not files:
        raise ConfigError(f"no rule files (*.yaml) in {folder}")
    return [rule for path in files for rule in read_rule_file(path)]


def read_rule_file(path: Path) -> list[Rule]:
    """Parse and validate one YAML rule file."""
    try:
        # The C build of yaml's SafeLoader (safe_load's loader, ~10x faster) where libyaml is present.
        data = yaml.load(_rule_text(path), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = str(getattr(exc, "problem", None) or exc).strip().splitlines()[0]  # the reader's message spans lines
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    if isinstance(data, dict) and set(data) == {"rules"}:
        data = data["rules"]
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of rules (or a 'rules:' key), got {type(data).__name__}")
    rules, seen = [], set()
    for index, raw in enumerate(data):
        rule = parse_rule(raw, str(path), index)
        if rule.id in seen:
            raise ConfigError(f"{path}: rule {rule.id}: duplicate id")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def _rule_text(path: Path) -> str:
    """The file's text, decoded like every file lossadvisor reads (lossadvisor.text_decoding)."""
    from lossadvisor.errors import LossAdvisorError
    from lossadvisor.text_decoding import read_text_file

    try:
        return read_text_file(path).text
    except LossAdvisorError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def parse_rule(raw: Any, file: str, index: int = 0) -> Rule:
    """Validate one rule mapping; every error names the file, the rule ID and the key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: rule #{index + 1}: expected a mapping, got {type(raw).__name__}")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise ConfigError(f"{file}: rule #{index + 1}: key 'id' is missing or not a string")
    where = f"{file}: rule {rule_id}"
    unknown = sorted(set(raw) - RULE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' (expected {', '.join(sorted(RULE_KEYS))})")
    for key in ("summary", "when", "source"):
        if key not in raw:
            raise ConfigError(f"{where}: key '{key}' is missing")
    for key in ("summary", "source", "rationale", "advise"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ConfigError(f"{where}: key '{key}' must be a non-empty string")
    actions = [key for key in ACTIONS if key in raw]
    if len(actions) != 1:
        raise ConfigError(f"{where}: needs exactly one of 'recommend', 'adjust', 'advise' (got {actions or 'none'})")
    confidence = raw.get("confidence", "medium")
    if confidence not in CONFIDENCE:
        raise ConfigError(f"{where}: key 'confidence' must be one of {', '.join(CONFIDENCE)}, got {confidence!r}")
    fields: dict[str, Any] = dict(
        id=rule_id, summary=raw["summary"].strip(), when=parse_condition(raw["when"], where), action=actions[0],
        source=raw["source"].strip(), rationale=str(raw.get("rationale", "")).strip(), confidence=confidence,
        scores=_parse_scores(raw.get("score", 0.5), where),
        prior=_parse_scores(raw["score_prior"], where, "score_prior") if "score_prior" in raw else None,
        caveats=_string_list(raw, "caveats", where),
        aliases=_string_list(raw, "aliases", where), file=file, raw=raw,
    )
    if actions[0] == "recommend":
        fields["loss"], fields["params"] = _parse_recommend(raw["recommend"], where)
    elif actions[0] == "adjust":
        fields["adjust_losses"], fields["adjust_by"] = _parse_adjust(raw["adjust"], where)
    else:
        fields["advice"] = raw["advise"].strip()
    return Rule(**fields)


def _string_list(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: key '{key}' must be a list of strings")
    return tuple(item.strip() for item in value)


def _parse_scores(value: Any, where: str, key: str = "score") -> tuple[tuple[str, float], ...]:
    """A score table: a number (the default) or {default: x, OBJECTIVE: y, ...}, each in [0, 1]."""
    table = {"default": value} if not isinstance(value, dict) else dict(value)
    if "default" not in table:
        raise ConfigError(f"{where}: key '{key}' needs a 'default' entry")
    for name, score in table.items():
        if name != "default" and name not in OBJECTIVES:
            raise ConfigError(f"{where}: key '{key}.{name}': unknown objective (expected {', '.join(OBJECTIVES)})")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
            raise ConfigError(f"{where}: key '{key}.{name}' must be a number in [0, 1], got {score!r}")
    return tuple((name, float(score)) for name, score in table.items())


def _parse_adjust(value: Any, where: str) -> tuple[tuple[str, ...], float]:
    if not isinstance(value, dict) or set(value) != {"losses", "score"}:
        raise ConfigError(f"{where}: key 'adjust' must have exactly 'losses' and 'score'")
    losses = value["losses"]
    if not isinstance(losses, list) or not losses:
        raise ConfigError(f"{where}: key 'adjust.losses' must be a non-empty list of loss names")
    for name in losses:
        _check_loss(name, where, "adjust.losses")
    by = value["score"]
    if isinstance(by, bool) or not isinstance(by, (int, float)) or not -1 <= by <= 1:
        raise ConfigError(f"{where}: key 'adjust.score' must be a number in [-1, 1], got {by!r}")
    return tuple(losses), float(by)


def _parse_recommend(value: Any, where: str) -> tuple[str, tuple[ParamRule, ...]]:
    if not isinstance(value, dict) or "loss" not in value:
        raise ConfigError(f"{where}: key 'recommend' must be a mapping with 'loss'")
    unknown = sorted(set(value) - {"loss", "params"})
    if unknown:
        raise ConfigError(f"{where}: unknown key 'recommend.{unknown[0]}' (expected loss, params)")
    loss = value["loss"]
    _check_loss(loss, where, "recommend.loss")
    params_raw = value.get("params") or {}
    if not isinstance(params_raw, dict):
        raise ConfigError(f"{where}: key 'recommend.params' must be a mapping")
    params = tuple(_parse_param(loss, name, spec, where) for name, spec in params_raw.items())
    _check_params(loss, params, where)
    return loss, params


def _parse_param(loss: str, name: str, spec: Any, where: str) -> ParamRule:
    key = f"recommend.params.{name}"
    if not isinstance(spec, dict) or "derive" not in spec:
        return ParamRule(name=name, value=spec)
    if not isinstance(spec["derive"], str):
        raise ConfigError(f"{where}: key '{key}.derive' must be a formula name (a string), got "
                          f"{type(spec['derive']).__name__} (formulas: {', '.join(sorted(DERIVATIONS))})")
    derivation = DERIVATIONS.get(spec["derive"])
    if derivation is None:
        raise ConfigError(f"{where}: key '{key}': unknown formula '{spec['derive']}' "
                          f"(expected one of {', '.join(sorted(DERIVATIONS))})")
    options = {k: v for k, v in spec.items() if k != "derive"}
    for option in options:
        if option not in derivation.options:
            allowed = ", ".join(derivation.options) or "none"
            raise ConfigError(f"{where}: key '{key}.{option}': unknown option of '{derivation.name}' (allowed: {allowed})")
    return ParamRule(name=name, derive=derivation.name, options=tuple(sorted(options.items())))


def _check_loss(name: Any, where: str, key: str) -> None:
    from lossadvisor.losses.cards import list_losses

    if not isinstance(name, str) or name not in list_losses():
        raise ConfigError(f"{where}: key '{key}': unknown loss {name!r} (see `lossadvisor losses`)")


def _check_params(loss: str, params: tuple[ParamRule, ...], where: str) -> None:
    """Every parameter must exist on the loss; literal values must pass its constraints.

    Derived parameters get a placeholder of their declared kind here; their real values are
    validated again when the engine configures a candidate.
    """
    from lossadvisor.losses.cards import get_card, validate_params

    card = get_card(loss)
    known = {spec.name: spec for spec in card.params}
    trial: dict[str, Any] = {}
    for param in params:
        spec = known.get(param.name)
        if spec is None:
            raise ConfigError(f"{where}: key 'recommend.params.{param.name}': {loss} has no parameter "
                              f"'{param.name}' (has: {', '.join(sorted(known)) or 'none'})")
        placeholder = spec.default if spec.default is not None else _PLACEHOLDERS.get(spec.kind)
        trial[param.name] = param.value if param.derive is None else placeholder
    try:
        validate_params(loss, trial)
    except LossAdvisorError as exc:
        raise ConfigError(f"{where}: key 'recommend.params': {exc}") from None


_PLACEHOLDERS = {"float": 0.5, "int": 1, "float_list": [1.0, 1.0], "float_or_list": 1.0, "bool": True,
                 "components": [{"loss": "mse"}]}
