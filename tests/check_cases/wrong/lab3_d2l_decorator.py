"""A definition decorated with the Chinese edition's helper module, not installed here: the
def statement itself fails."""
import d2lzh_pytorch as d2l
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["d2l_lenet"], "hint.failed_line"


@d2l.add_to_class(nn.Module)
def d2l_lenet():
    return nn.Sequential()
