"""Hand-drawn digits: rendering pen strokes the way the drawing pad does, synthetic pen digits
from stroke templates, and image augmentation for digit training sets."""
