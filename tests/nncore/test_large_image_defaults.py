"""The default run scales with the data: large image datasets get fewer, larger-batch epochs."""
from nncore.config import TrainConfig
from nncore.defaults import LARGE_IMAGE_ROWS, large_image_defaults

IMAGE = {"height": 28, "width": 28, "order": "C", "vmin": 0, "vmax": 255}


def test_small_or_tabular_datasets_keep_the_defaults():
    assert large_image_defaults({"n_samples": 5_000, "image": IMAGE}) == {}
    assert large_image_defaults({"n_samples": 60_000, "image": None}) == {}


def test_large_image_datasets_train_fewer_epochs_without_synthetic_digits():
    chosen = large_image_defaults({"n_samples": LARGE_IMAGE_ROWS, "image": IMAGE})
    config = TrainConfig.from_dict(chosen)
    assert config.epochs < TrainConfig().epochs and config.synthetic_digits == 0
    assert config.batch_size >= TrainConfig().batch_size
