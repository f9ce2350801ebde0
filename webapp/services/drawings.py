"""A drawing from the pad, checked and turned into the row a picture network reads.

The body ``{"strokes", "width", "height", "line_width"}`` (canvas pixels, y down) is bounded
(strokes, points, canvas size, coordinates) before any arithmetic, then drawn into the
dataset's image geometry the way ``nncore.digits.drawing`` places a digit. Prediction, the
correction loop and "Inside the network" all read drawings through here.
"""
import numpy as np

from nncore.data.images import ImageGeometry
from nncore.digits.drawing import features_from_strokes
from webapp.errors import BadRequest, Conflict
from webapp.services import finite_number

MAX_STROKES = 500
MAX_POINTS = 20000
MAX_CANVAS = 4096
MAX_COORDINATE = 10 * MAX_CANVAS


def drawing_features(model, summary, body):
    """A drawing (the predict body) -> the feature row the network sees, as ``predict`` makes it.

    Parameters
    ----------
    model : nncore.model.Model
        The run's model (its drawing profile places the digit).
    summary : dict
        The run's dataset summary: its image geometry gives size, pixel order and value range.
    body : dict
        ``{"strokes", "width", "height", "line_width"}`` in canvas pixels, y down.

    Returns
    -------
    (ndarray (n_features,) float64 or None when the drawing has no ink, n_strokes, ImageGeometry)
    """
    image = summary["image"] or (model.image.to_dict() if model.image is not None else None)
    if image is None:
        raise Conflict("this run's dataset is not a set of images: drawing is not available")
    geometry = ImageGeometry.from_dict(image)
    strokes, width, height, line_width = _drawing(body)
    features = features_from_strokes(strokes, width, height, line_width, geometry,
                                     profile=model.profile)
    if features is None:
        return None, len(strokes), geometry
    return np.asarray(features, dtype=np.float64).ravel(), len(strokes), geometry


def _coordinate(value, field):
    """A point's coordinate in canvas pixels; a pointer dragged off the canvas stays near it,
    and one far beyond would overflow the drawing's arithmetic (its extent is hi - lo)."""
    value = finite_number(value, field)
    if not -MAX_COORDINATE <= value <= MAX_COORDINATE:
        raise BadRequest(f"{field} must be from {-MAX_COORDINATE} to {MAX_COORDINATE} "
                         "(canvas pixels)")
    return value


def _drawing(body):
    """Validate a drawing: strokes of [x, y] canvas points, canvas size, line width."""
    strokes = body.get("strokes")
    if not isinstance(strokes, list) or len(strokes) > MAX_STROKES:
        raise BadRequest(f"strokes must be a list of at most {MAX_STROKES} strokes")
    size = {}
    for field in ("width", "height"):
        value = finite_number(body.get(field), field)
        if not 1 <= value <= MAX_CANVAS:
            raise BadRequest(f"{field} must be from 1 to {MAX_CANVAS} pixels")
        size[field] = value
    line_width = body.get("line_width")
    line_width = (min(size.values()) / 14 if line_width is None
                  else finite_number(line_width, "line_width"))
    if not 0 < line_width <= MAX_CANVAS:
        raise BadRequest("line_width must be greater than 0")
    clean, total = [], 0
    for stroke in strokes:
        if not isinstance(stroke, list):
            raise BadRequest("each stroke must be a list of [x, y] points")
        points = []
        for point in stroke:
            if not isinstance(point, list) or len(point) < 2:
                raise BadRequest("each point must be [x, y]")
            points.append([_coordinate(point[0], "x"), _coordinate(point[1], "y")])
        total += len(points)
        if total > MAX_POINTS:
            raise BadRequest(f"the drawing has too many points (at most {MAX_POINTS})")
        clean.append(points)
    return clean, size["width"], size["height"], line_width
