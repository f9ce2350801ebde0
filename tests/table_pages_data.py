"""A churn-like table whose label follows one column: 'churn' is "yes" exactly when 'plan' is
"max" (about 12% of the rows), except a few rows whose label was flipped (the validation
rows among them are what the model misreads). Shared by the API and browser tests of the
table pages."""
import numpy as np


def plan_churn_csv(n=300, seed=0, flipped=30):
    """CSV text: ``age`` (numbers, a few blanks), ``plan`` (basic, pro, max), ``region``
    (north, south), ``income`` (numbers in thousands: 1,200 .. 9,800) and the label ``churn``."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro", "max"], n, p=[0.5, 0.38, 0.12])
    churn = np.where(plan == "max", "yes", "no")
    flip = rng.choice(n, flipped, replace=False)
    churn[flip] = np.where(churn[flip] == "yes", "no", "yes")
    lines = ["age,plan,region,income,churn"]
    for i in range(n):
        age = "" if i % 37 == 5 else str(int(rng.integers(18, 80)))
        lines.append(f"{age},{plan[i]},{rng.choice(['north', 'south'])},"
                     f"{int(rng.integers(1200, 9800))},{churn[i]}")
    return "\n".join(lines) + "\n"


#: a run that learns the table in a second or two
QUICK_RUN = {"hidden_layers": [16], "activation": "relu", "optimizer": "adam",
             "learning_rate": 0.01, "epochs": 25, "batch_size": 32, "l2": 0.0, "seed": 0}
