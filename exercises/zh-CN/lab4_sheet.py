# %% [markdown]
# # 实验 4 练习：用多层感知机回归红葡萄酒的品质
#
# 实验报告 003 用多层感知机，根据 11 个理化特征拟合 UCI 红葡萄酒的品质评分，用梯度下降训练，每个迭代周期记录
# 训练损失和测试损失。下面每一节给出一个要写的部分：把 `raise NotImplementedError(...)` 那一行换成你的
# 代码，运行这个单元格，再运行它下面的检查单元格。函数还没写的时候，检查会显示“还没写”。
#
# 检查程序（`check.py`）会把你的函数和用 float64 按公式算出的结果对比，并在它自己搭的一个小模型上观察你的
# 训练函数，报告第一个不通过的例子以及与之相符的常见错误。“通过了这些检查”并不是证明。实验自己的实现在
# `lab4_wine_mlp.py` 里。
#
# 在仓库所在的文件夹里打开终端，可以对整个文件做同样的检查：
# `python check.py lab4 exercises/zh-CN/lab4_sheet.ipynb --lang zh`。

# %%
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

for folder in (Path.cwd(), Path.cwd().parent, Path.cwd().parent.parent):
    if (folder / "check.py").is_file():  # 检查程序在仓库的根目录里
        sys.path.insert(0, str(folder))
        break
import check  # noqa: E402

check.set_language("zh")

# %% [markdown]
# ## 1. 特征标准化
#
# `standardise(x_tr, x_te)`：两个 numpy 数组（每行一瓶酒，每列一个特征）；把两者都按列缩放到均值为 0、
# 标准差为 1，训练集和测试集都只用训练集的统计量。测试集代表模型从没见过的酒：它的任何信息都不能影响预处理。
# 返回新的 numpy 数组，传进来的数组要保持原样。

# %%
def standardise(x_tr, x_te):
    """用训练集的均值和标准差缩放两个数据集。"""
    raise NotImplementedError("在这里实现 standardise")


# %%
check.lab4(globals(), "standardise")

# %% [markdown]
# ## 2. 网络
#
# `WineMLP(n_in, hidden, activation=nn.ReLU, dropout=0.0)`：一个由全连接层组成的 `nn.Module`，
# n_in → hidden[0] → hidden[1] → ... → 1，每个隐藏层之后接激活函数（一个类，比如 `nn.ReLU` 或
# `nn.Tanh`），`dropout` 大于 0 时再接 dropout。输出是每瓶酒一个不受限制的数，形状和目标一样是 (N, 1)：
# 最后一层之后不加激活函数。

# %%
class WineMLP(nn.Module):
    """全连接层之间加激活函数，可选 dropout。"""

    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        raise NotImplementedError("在这里实现 WineMLP")


# %%
check.lab4(globals(), "WineMLP")

# %% [markdown]
# ## 3. 训练一步
#
# `train_step(model, x, y, optimizer)`：模型输出对 `y`（形状 (N, 1)，float32）的均方误差，清除梯度，
# 反向传播，更新参数；返回损失（张量本身，`train_epoch` 会对它调用 detach）。

# %%
def train_step(model, x, y, optimizer):
    """在小批量 (x, y) 上让优化器走一步；返回这个小批量的 MSE。"""
    raise NotImplementedError("在这里实现 train_step")


# %%
check.lab4(globals(), "train_step")

# %% [markdown]
# ## 4. 一个迭代周期
#
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`：把模型切换到训练模式，对每个
# 小批量调用 `step`；以 Python 数值的形式返回每个样本的平均训练损失（最后一个小批量可能更小）。
# `on_step` 可以不用。

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """遍历一遍 loader；返回每个样本的平均损失。"""
    raise NotImplementedError("在这里实现 train_epoch")


# %%
check.lab4(globals(), "train_epoch")

# %% [markdown]
# ## 5. 评估
#
# `evaluate(model, loader)`：`loader` 中所有样本的均方误差，以及它的平方根 RMSE（单位是品质分）；模型处于
# 评估模式（dropout 关闭），autograd 不记录计算图。

# %%
def evaluate(model, loader):
    """model 在 loader 上的 (MSE, RMSE)。"""
    raise NotImplementedError("在这里实现 evaluate")


# %%
check.lab4(globals(), "evaluate")

# %% [markdown]
# ## 全部一起检查
#
# 用这些函数，`python lab4_wine_mlp.py` 的测试 RMSE 在 0.61 左右；直接预测训练集的平均值大约是 0.76。

# %%
check.lab4(globals())
