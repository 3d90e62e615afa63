"""A function that calls the Chinese edition's helper module, not installed here: its import
at the top failed."""
import d2lzh_pytorch as d2l

LAB, CHECKS, EXPECT = "lab3", ["xavier_init"], "hint.failed_line"


def xavier_init(model):
    model.apply(d2l.init_cnn)
