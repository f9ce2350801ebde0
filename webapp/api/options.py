"""GET /api/options: what the run form offers, straight from nncore's registries and limits."""
from flask import Blueprint, current_app

from nncore.config import TrainConfig, default_learning_rate
from nncore.nn.activations import ACTIVATIONS
from nncore.nn.initializers import INITIALIZERS
from nncore.nn.optimizers import DEFAULT_LEARNING_RATES, OPTIMIZERS
from nncore.nn.outputs import OUTPUTS
from nncore.nn.training import SCHEDULES
from webapp.services.runs import server_limits

bp = Blueprint("options", __name__)


@bp.get("/options")
def options():
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
        # the bounds the server enforces on every setting; the run form reads them from here
        "limits": {**server_limits(),
                   "max_upload_bytes": current_app.config["MAX_CONTENT_LENGTH"]},
    }
