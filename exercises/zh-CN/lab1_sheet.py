# %% [markdown]
# # 实验 1 练习：张量运算和自动微分
#
# 实验报告 004 一开头有三个关于张量和自动微分的小任务，实验报告 003 的入门部分又加了几个。下面每一节给出一个
# 要写的函数：把 `raise NotImplementedError(...)` 那一行换成你的代码，运行这个单元格，再运行它下面的检查
# 单元格。函数还没写的时候，检查会显示“还没写”。
#
# 每个函数的参数是用来计算的设备（传 `torch.device("cpu")` 就行），返回一个字典，用每一节给出的键存放算出来
# 的结果，检查程序（`check.py`）会把它们和手算的值对比。中间想打印什么都可以，检查程序不会显示。“通过了这些
# 检查”说明你算出的数是对的，但并不是证明。实验自己的实现在 `lab1_tensor_ops.py` 里。
#
# 在仓库所在的文件夹里打开终端，可以对整个文件做同样的检查：
# `python check.py lab1 exercises/zh-CN/lab1_sheet.ipynb --lang zh`。

# %%
import sys
from pathlib import Path

import torch

for folder in (Path.cwd(), Path.cwd().parent, Path.cwd().parent.parent):
    if (folder / "check.py").is_file():  # 检查程序在仓库的根目录里
        sys.path.insert(0, str(folder))
        break
import check  # noqa: E402

check.set_language("zh")

# %% [markdown]
# ## 1. 带广播的减法，三种写法
#
# M = [[1, 2, 3]]（1×3），N = [[4], [5]]（2×1）。用 `M - N`、`torch.sub(M, N)`，以及手动广播（先用
# `expand` 把两者都变成 2×3）三种方式计算 M 减 N；再试试原地操作 `M.sub_(N)`：它会报错。在注释里写下原因，
# 捕获这个异常并保存它的信息（信息文本，一个 str）。返回 `{"broadcast_minus": ..., "broadcast_sub":
# ..., "broadcast_manual": ..., "inplace_error": 异常信息}`。

# %%
def broadcast_subtraction(device):
    """用三种方式计算 M - N，以及 M.sub_(N) 报错的信息。"""
    raise NotImplementedError("在这里实现 broadcast_subtraction")


# %%
check.lab1(globals(), "broadcast_subtraction")

# %% [markdown]
# ## 2. 一个小的矩阵乘法
#
# P（3×2）和 Q（4×2），元素服从均值为 0、标准差为 0.01 的正态分布；Q 的转置（2×4）；以及乘积 P @ Qᵀ
# （3×4）。返回 `{"p": P, "q": Q, "qt": Qᵀ, "pqt": P @ Qᵀ}`。

# %%
def small_matmul(device):
    """P、Q、Q 的转置，以及 P 乘以 Q 的转置。"""
    raise NotImplementedError("在这里实现 small_matmul")


# %%
check.lab1(globals(), "small_matmul")

# %% [markdown]
# ## 3. 部分计算放在 `no_grad` 下时的梯度
#
# y1 = x²，y2 = x³，y3 = y1 + y2，x = 1。分三种情况计算梯度 dy3/dx：把 y2 放在 `torch.no_grad()` 下
# 计算；把 y1 放在它下面计算；两者都不放。返回 `{"grad_no_y2": ..., "grad_no_y1": ..., "grad_full":
# ...}`（数）。先手算出这三个值。

# %%
def no_grad_gradients(device):
    """x = 1 时的 dy3/dx：依次让 y2、y1、哪个都不在 no_grad 下计算。"""
    raise NotImplementedError("在这里实现 no_grad_gradients")


# %%
check.lab1(globals(), "no_grad_gradients")

# %% [markdown]
# ## 4. 自动微分（入门部分）
#
# - y = a @ b + c，其中 a = [[1., 2.]]、c = 5.（两者都需要梯度），b = [[3.], [4.]]：调用
#   `y.backward()` 之后，把 a 的梯度作为 `"a_grad"`、c 的梯度作为 `"c_grad"` 返回。
# - `sum(sigmoid(s))` 对 s = `torch.ones(20)` 的梯度：`"sigmoid_grad"`。
# - x = 2.（需要梯度）：依次记下 `(x ** 2).backward()` 之后的梯度、接着调用 `(x + 3).backward()` 之后
#   的梯度、最后调用 `x.grad.zero_()` 之后的梯度，把这三个数组成列表，作为 `"accumulated_grads"`。

# %%
def autograd(device):
    """a.grad 和 c.grad、sigmoid 的梯度，以及清零之前不断累加的梯度。"""
    raise NotImplementedError("在这里实现 autograd")


# %%
check.lab1(globals(), "autograd")

# %% [markdown]
# ## 全部一起检查

# %%
check.lab1(globals())
