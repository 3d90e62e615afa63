"""Min-max scaling with the training split's range."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.min_max"


def standardise(x_tr, x_te):
    low, high = x_tr.min(axis=0), x_tr.max(axis=0)
    return (x_tr - low) / (high - low), (x_te - low) / (high - low)
