"""The test split centred with the training mean but scaled with its own std."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.test_std"


def standardise(x_tr, x_te):
    mu = x_tr.mean(axis=0)
    return (x_tr - mu) / x_tr.std(axis=0), (x_te - mu) / x_te.std(axis=0)
