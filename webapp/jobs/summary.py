"""The result a training process hands back with its model: the numbers of fit's result and
the evaluated rows with their predictions, JSON-ready, as the server stores them for the run's
report (``webapp.services.reports``).

Computed in the training process, where the model and the dataset already are: the server
then needs neither to predict nor to load the dataset to store a result.
"""
import numpy as np

from nncore.nn.metrics import confusion_matrix


def _as_indices(predictions, classes):
    """Predictions as class indices, whether nncore gave indices or label strings."""
    predictions = list(predictions)
    if predictions and isinstance(predictions[0], str):
        position = {c: i for i, c in enumerate(classes)}
        return np.asarray([position[p] for p in predictions], dtype=np.int64)
    return np.asarray(predictions, dtype=np.int64)


def result_summary(model, dataset, result):
    """The run's result JSON from ``fit``'s result dict (JSON-ready).

    The report is computed on the validation rows, or on the training rows when the run had
    no validation split.
    """
    indices = [int(i) for i in (result.get("val_indices") or [])]
    if indices:
        predictions = _as_indices(result.get("val_predictions") or [], dataset.classes)
        evaluated_on = "validation"
    else:
        indices = list(range(dataset.n_samples))
        predictions = _as_indices(model.predict(dataset.X), dataset.classes)
        evaluated_on = "training"
    matrix = result.get("confusion_matrix")
    if matrix is None or evaluated_on == "training":
        matrix = confusion_matrix(dataset.y[indices], predictions, len(dataset.classes))
    summary = {key: result.get(key) for key in
               ("train_accuracy", "val_accuracy", "final_cost", "seconds", "epochs")}
    history = result.get("history") or {}
    summary.update({
        "stopped": history.get("stopped"),
        "best_epoch": history.get("best_epoch"),
        "averaged_epochs": history.get("averaged_epochs"),
        "evaluated_on": evaluated_on,
        "indices": indices,
        "predictions": predictions.tolist(),
        "confusion_matrix": np.asarray(matrix).astype(int).tolist(),
    })
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in summary.items()}
