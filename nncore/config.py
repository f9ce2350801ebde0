"""Training settings: one dataclass with the defaults, and the validation of every field.

The web form, the HTTP API and the CLI all send the same names, so this module is the single
place where a setting is checked; a bad value raises `ValueError` naming the field and what is
allowed. `TrainConfig.from_dict` checks each field on its own, within ``LIMITS`` (a server may
pass tighter ones); `check_for_dataset` refuses what a dataset's kind cannot take (convolutional
blocks without pictures, pen digits for anything but pictures of the ten digits), and
`check_network_size` a network too large for memory. The defaults a dataset gets when a
request leaves settings out are ``nncore/defaults.py``'s.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

from nncore.digits.pen_digits import is_digit_classes
from nncore.nn.activations import ACTIVATIONS
from nncore.nn.initializers import INITIALIZERS
from nncore.nn.optimizers import DEFAULT_LEARNING_RATES, OPTIMIZERS
from nncore.nn.outputs import CLASS_OUTPUTS
from nncore.data.scaling import SCALINGS
from nncore.nn.training import SCHEDULES

#: Bounds that keep one request from asking for an absurd amount of work or memory.
LIMITS = {
    "max_layers": 10,
    "max_layer_size": 4096,
    "max_epochs": 2000,
    "max_batch_size": 1_000_000,
    "max_learning_rate": 1e9,
    "max_validation_split": 0.9,
    # weights + biases; Adam keeps three more copies, so 20M float32 parameters ~ 320 MB
    "max_parameters": 20_000_000,
    "max_conv_blocks": 3,
    "max_conv_filters": 64,
    "max_synthetic_digits": 20_000,
    "max_pen_digits": 30_000,
}

#: Adam's step when none is given, by hidden activation.  Adam's usual 0.001 suits relu layers.
#: Sigmoid and tanh units saturate: they need larger weights to leave their linear middle, and
#: with a step that small the tutorials' network falls short in 60 epochs (the measurements on
#: the tutorial workbook are in bench/README.md, "Figures behind the defaults").  The other
#: optimisers keep one rate for every activation.
ADAM_RATE_BY_ACTIVATION = {"relu": 0.001, "tanh": 0.003, "sigmoid": 0.01}


def default_learning_rate(optimizer: str, activation: str) -> float:
    """The learning rate a run uses when none is given (``DEFAULT_LEARNING_RATES``, except
    Adam's, which depends on the hidden activation: ``ADAM_RATE_BY_ACTIVATION``)."""
    if optimizer == "adam":
        return ADAM_RATE_BY_ACTIVATION[activation]
    return DEFAULT_LEARNING_RATES[optimizer]


@dataclass
class TrainConfig:
    """Everything that decides how a network is built and trained.

    The defaults suit pictures: one 512-unit relu layer, softmax, Adam, 60 epochs with image
    augmentation, the weights of the last quarter of the epochs averaged. For pictures of the
    ten digits (the drawing pad's use) ``defaults.default_settings`` narrows this to what reads
    drawn digits best in a wait a person accepts, with synthetic and real pen digits added.
    `Network` itself keeps the tutorials' sigmoid default; their network as a run is
    ``hidden_layers=[25], activation="sigmoid", output="sigmoid", l2=1``.
    """

    hidden_layers: list[int] = field(default_factory=lambda: [512])
    activation: str = "relu"
    output: str = "softmax"
    optimizer: str = "adam"
    learning_rate: float | None = None      # None: default_learning_rate(optimizer, activation)
    epochs: int = 60
    batch_size: int | None = 64             # None: full batch
    l2: float = 1.0
    validation_split: float = 0.2
    seed: int = 0
    init: str = "auto"
    patience: int | None = None             # early stopping on validation cost; None: off
    augment: bool | None = None             # None: on for image-like data when it helps
    conv_filters: list[int] = field(default_factory=list)   # e.g. [16, 32]; [] = no conv blocks
    conv_kernel: int = 3                    # side of the square conv kernels (odd: 'same' padding)
    synthetic_digits: int | None = None     # pen digits added to training; None: auto (see fit)
    pen_digits: int | None = None           # real pen digits rendered into training; None: auto
    lr_schedule: str = "constant"           # learning rate over the epochs: constant or cosine
    average_last: float = 0.25              # share of the final epochs whose weights are averaged
    refit: bool = False                     # after early stopping, retrain on every row (fit)
    scaling: str = "standard"               # tables' numbers: standard, or robust (SCALINGS)
    label_smoothing: float = 0.0            # classes learned from (1 - e) one-hot + e / k
    l2_choices: list[float] = field(default_factory=list)   # other L2s tried (fitting.choose_l2)

    @classmethod
    def from_dict(cls, data: dict | None, limits: dict | None = None) -> "TrainConfig":
        """Build a config from JSON-like data, validating every field.

        Missing or ``None`` values take the defaults (except the fields whose ``None`` is
        meaningful: learning_rate, batch_size, patience, augment). Unknown keys are refused
        so that a typo in a field name is not silently ignored. ``limits``: a server's own
        bounds (keys of ``LIMITS``), applied where they are tighter than ``LIMITS``.
        """
        limits = effective_limits(limits)
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}; valid settings are: "
                             f"{', '.join(sorted(known))}")
        nullable = {"learning_rate", "batch_size", "patience", "augment", "synthetic_digits",
                    "pen_digits"}
        defaults = cls()
        values = {}
        for name in known:
            value = data.get(name, getattr(defaults, name))
            if value is None and name not in nullable:
                value = getattr(defaults, name)
            values[name] = value
        return cls(
            hidden_layers=_layers(values["hidden_layers"], limits),
            activation=_choice("activation", values["activation"], ACTIVATIONS),
            output=_choice("output", values["output"], CLASS_OUTPUTS),
            optimizer=_choice("optimizer", values["optimizer"], OPTIMIZERS),
            learning_rate=_optional(_positive_float, "learning_rate", values["learning_rate"],
                                    limits["max_learning_rate"]),
            epochs=_int_in("epochs", values["epochs"], 1, limits["max_epochs"]),
            batch_size=_optional(_int_in, "batch_size", values["batch_size"], 1,
                                 limits["max_batch_size"]),
            l2=_float_in("l2", values["l2"], 0.0, 1e6),
            validation_split=_float_in("validation_split", values["validation_split"], 0.0,
                                       limits["max_validation_split"]),
            seed=_int_in("seed", values["seed"], 0, 2**32 - 1),
            init=_choice("init", values["init"], {"auto": None, **INITIALIZERS}),
            # a patience beyond the epochs never triggers and costs nothing, so a server's
            # tighter epoch limit does not bound it (a table's default patience is 25)
            patience=_optional(_int_in, "patience", values["patience"], 1, LIMITS["max_epochs"]),
            augment=_optional_bool("augment", values["augment"]),
            conv_filters=_conv_filters(values["conv_filters"], limits),
            conv_kernel=_odd_kernel(values["conv_kernel"]),
            lr_schedule=_choice("lr_schedule", values["lr_schedule"], SCHEDULES),
            average_last=_float_in("average_last", values["average_last"], 0.0, 1.0),
            refit=_bool("refit", values["refit"]),
            scaling=_choice("scaling", values["scaling"], SCALINGS),
            label_smoothing=_float_in("label_smoothing", values["label_smoothing"], 0.0, 0.49),
            l2_choices=_l2_choices(values["l2_choices"]),
            synthetic_digits=_optional(_int_in, "synthetic_digits", values["synthetic_digits"], 0,
                                       limits["max_synthetic_digits"]),
            pen_digits=_optional(_int_in, "pen_digits", values["pen_digits"], 0,
                                 limits["max_pen_digits"]),
        )

    def to_dict(self) -> dict:
        """JSON-ready copy of the settings."""
        return asdict(self)

    @property
    def effective_learning_rate(self) -> float:
        """The rate training uses: ``learning_rate``, or the default for this optimiser and
        activation when it is ``None``."""
        if self.learning_rate is not None:
            return self.learning_rate
        return default_learning_rate(self.optimizer, self.activation)


def parameter_count(layer_sizes) -> int:
    """Weights and biases of a fully connected network: sum of (fan_in + 1) * fan_out."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layer_sizes, layer_sizes[1:]))


def effective_limits(limits: dict | None = None) -> dict:
    """``LIMITS``, each tightened to ``limits[key]`` where that is lower (a server's own bounds).

    Keys that are not ``LIMITS``' are ignored here (a server's upload size, say).
    """
    limits = limits or {}
    return {key: min(bound, limits.get(key, bound)) for key, bound in LIMITS.items()}


def check_for_dataset(config: TrainConfig, summary) -> None:
    """Refuse settings this kind of data cannot take (``ValueError`` naming the field).

    ``summary``: ``image`` (None when the rows are not pictures) and ``classes``, as in
    ``Dataset.summary()``. Convolutional blocks need pictures; synthetic and real pen digits
    are drawn only into pictures of the ten digits (auto or 0 is fine anywhere).
    """
    if config.conv_filters and not summary.get("image"):
        raise ValueError("conv_filters: convolutional blocks need image data, and this "
                         "dataset's rows are not pictures; leave conv_filters empty")
    digit_pictures = bool(summary.get("image")) and is_digit_classes(summary.get("classes") or [])
    for name, what in (("synthetic_digits", "synthetic pen digits"),
                       ("pen_digits", "real pen digits")):
        if getattr(config, name) and not digit_pictures:
            raise ValueError(f"{name}: {what} are only added to pictures of the digits 0-9; "
                             "leave it empty (auto) or 0 for this dataset")
    if config.label_smoothing and summary.get("task") == "regression":
        raise ValueError("label_smoothing: smoothing is for classes, and this dataset's label "
                         "is a number to predict; leave it at 0")


def check_network_size(config: TrainConfig, n_features: int, n_classes: int,
                       limits: dict | None = None) -> None:
    """Refuse a network whose parameters would not fit comfortably in memory (``limits`` as in
    ``TrainConfig.from_dict``)."""
    limits = effective_limits(limits)
    first = n_features
    if config.conv_filters:
        # after at least one 2x2 pool the flattened pictures have at most n_features / 4
        # pixels per filter; the kernels themselves are tiny next to the dense layers
        first = max(1, n_features // 4) * max(config.conv_filters)
    sizes = [first, *config.hidden_layers, n_classes]
    count = parameter_count(sizes)
    if count > limits["max_parameters"]:
        raise ValueError(f"hidden_layers: the network {sizes} would have {count:,} parameters; "
                         f"at most {limits['max_parameters']:,} are allowed")


# --- field validators: each returns the clean value or raises ValueError naming the field ---

def _choice(name, value, registry):
    if not isinstance(value, str) or value not in registry:
        raise ValueError(f"{name} must be one of: {', '.join(sorted(registry))} (got {value!r})")
    return value


def _number(name, value):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number (got {value!r})")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be a number (got {value!r})") from None
    if not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number (got {value!r})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number (got {value!r})")
    return value


def _int_in(name, value, low, high):
    number = _number(name, value)
    if float(number) != int(number):
        raise ValueError(f"{name} must be a whole number (got {value!r})")
    number = int(number)
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high} (got {number})")
    return number


def _float_in(name, value, low, high):
    number = float(_number(name, value))
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g} (got {number:g})")
    return number


def _positive_float(name, value, high):
    number = float(_number(name, value))
    if not 0.0 < number <= high:
        raise ValueError(f"{name} must be greater than 0 and at most {high:g} (got {number:g})")
    return number


def _optional(check, name, value, *bounds):
    return None if value is None else check(name, value, *bounds)


def _bool(name, value):
    if isinstance(value, bool):
        return value
    raise ValueError(f"{name} must be true or false (got {value!r})")


def _optional_bool(name, value):
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{name} must be true, false or null (got {value!r})")


def _counts(name, value, items, what, max_items, max_value):
    """Whole numbers from a list or a text such as "128, 64" ("" or [] = none).

    ``name`` is the field; messages call the list ``items`` ("hidden layers") and one value
    ``what`` ("hidden layer size").
    """
    if isinstance(value, str):
        value = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of sizes such as [25] or \"128, 64\" "
                         f"(got {value!r})")
    if len(value) > max_items:
        raise ValueError(f"{name}: at most {max_items} {items} (got {len(value)})")
    return [_int_in(what, v, 1, max_value) for v in value]


def _layers(value, limits):
    """Hidden layer sizes ("" or [] = no hidden layer)."""
    return _counts("hidden_layers", value, "hidden layers", "hidden layer size",
                   limits["max_layers"], limits["max_layer_size"])


def _l2_choices(value):
    """Up to ``MAX_L2_CHOICES`` L2 strengths to try besides ``l2`` ("" or [] = none)."""
    if value in ("", None):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"l2_choices must be a list of numbers, e.g. [1, 10] (got {value!r})")
    if len(value) > MAX_L2_CHOICES:
        raise ValueError(f"l2_choices: at most {MAX_L2_CHOICES} strengths (got {len(value)})")
    return [_float_in("l2_choices", v, 0.0, 1e6) for v in value]


#: L2 strengths a run may try on its validation rows (each one more training)
MAX_L2_CHOICES = 4


def _conv_filters(value, limits):
    """Filters per convolutional block ("" or [] = no convolutional block)."""
    return _counts("conv_filters", value, "convolutional blocks", "filters per conv block",
                   limits["max_conv_blocks"], limits["max_conv_filters"])


def _odd_kernel(value):
    kernel = _int_in("conv_kernel", value, 1, 7)
    if kernel % 2 == 0:
        raise ValueError(f"conv_kernel must be odd (3, 5 or 7) so pictures keep their size "
                         f"(got {kernel})")
    return kernel
