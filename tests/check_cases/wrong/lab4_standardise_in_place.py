"""The caller's arrays scaled in place."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.modifies_input"


def standardise(x_tr, x_te):
    mu, sd = x_tr.mean(axis=0), x_tr.std(axis=0)
    x_tr -= mu
    x_tr /= sd
    x_te -= mu
    x_te /= sd
    return x_tr, x_te
