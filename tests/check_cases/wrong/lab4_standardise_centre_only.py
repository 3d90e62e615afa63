"""Centred, never divided."""
LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.not_scaled"


def standardise(x_tr, x_te):
    mu = x_tr.mean(axis=0)
    return x_tr - mu, x_te - mu
