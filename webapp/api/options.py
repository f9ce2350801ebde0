"""GET /api/options: what the run form offers, straight from nncore's registries."""
from flask import Blueprint, current_app

bp = Blueprint("options", __name__)


@bp.get("/options")
def options():
    from nncore.nn.activations import ACTIVATIONS
    from nncore.config import LIMITS, TrainConfig, default_learning_rate
    from nncore.nn.initializers import INITIALIZERS
    from nncore.nn.optimizers import DEFAULT_LEARNING_RATES, OPTIMIZERS
    from nncore.nn.outputs import OUTPUTS
    from nncore.nn.training import SCHEDULES

    return {
        "activations": list(ACTIVATIONS),
        "outputs": list(OUTPUTS),
        "optimizers": list(OPTIMIZERS),
        "initializers": list(INITIALIZERS),
        "lr_schedules": list(SCHEDULES),
        "default_learning_rates": dict(DEFAULT_LEARNING_RATES),
        # what an empty learning-rate field means: Adam's default depends on the activation
        "learning_rates_by_activation": {
            optimizer: {activation: default_learning_rate(optimizer, activation)
                        for activation in ACTIVATIONS}
            for optimizer in OPTIMIZERS},
        "defaults": TrainConfig().to_dict(),
        # nncore's bounds on every setting, tightened by the server's own
        "limits": {**LIMITS, **current_app.config["LIMITS"],
                   "max_upload_bytes": current_app.config["MAX_CONTENT_LENGTH"]},
    }
