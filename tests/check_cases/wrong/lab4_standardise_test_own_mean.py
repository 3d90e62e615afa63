"""The test split centred with its own mean (scaled with the training std)."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.test_mean"


def standardise(x_tr, x_te):
    mu, sd = x_tr.mean(axis=0), x_tr.std(axis=0)
    return (x_tr - mu) / sd, (x_te - x_te.mean(axis=0)) / sd
