"""The statistics of both splits together."""
import numpy as np

LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.all_statistics"


def standardise(x_tr, x_te):
    both = np.concatenate([x_tr, x_te])
    mu, sd = both.mean(axis=0), both.std(axis=0)
    return (x_tr - mu) / sd, (x_te - mu) / sd
