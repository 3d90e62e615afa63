"""The statistics per row."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.axis"


def standardise(x_tr, x_te):
    mu, sd = x_tr.mean(axis=1, keepdims=True), x_tr.std(axis=1, keepdims=True)
    return (x_tr - mu) / sd, (x_te - x_te.mean(axis=1, keepdims=True)) / x_te.std(
        axis=1, keepdims=True)
