"""Each split scaled with its own statistics."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.test_statistics"


def standardise(x_tr, x_te):
    return ((x_tr - x_tr.mean(axis=0)) / x_tr.std(axis=0),
            (x_te - x_te.mean(axis=0)) / x_te.std(axis=0))
