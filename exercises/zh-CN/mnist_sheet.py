# %% [markdown]
# # mnist 练习：MNIST 教程，以及能精确恢复训练的检查点
#
# 实验报告 001 跟着一个流传很广的 MNIST 教程做，保存模型和优化器，再从保存的文件继续训练。它的“继续训练”并不
# 是看上去那样（接着训练的根本不是重新加载的那个网络），而且程序中途崩溃可能留下写了一半的文件。下面每一节
# 给出一个要写的部分：把 `raise NotImplementedError(...)` 那一行换成你的代码，运行这个单元格，再运行它下面的
# 检查单元格。函数还没写的时候，检查会显示“还没写”。
#
# 检查程序（`check.py`）会用它自己准备的输入运行你的网络和训练函数，在一个临时文件夹里写入、破坏检查点，还会把
# 一个小训练跑两遍：一遍一口气跑完，一遍中途停下、再用你的函数恢复：两遍结束时的权重必须完全相同。它报告第一个
# 不通过的例子，以及与之相符的常见错误。“通过了这些检查”并不是证明。实验自己的实现在 `mnist_checkpoint.py` 里。
#
# 在仓库所在的文件夹里打开终端，可以对整个文件做同样的检查：
# `python check.py mnist exercises/zh-CN/mnist_sheet.ipynb --lang zh`。

# %%
import io
import os
import random
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
# ## 1. 教程里的网络
#
# `MnistNet`：一个 5×5、输出 10 个通道的卷积，2×2 最大池化和 ReLU；一个 5×5、输出 20 个通道的卷积，输出上加
# `nn.Dropout2d`，再接最大池化和 ReLU；展平（320 个特征）；全连接到 50，ReLU，dropout；全连接到 10；
# log-softmax，因为教程用 `F.nll_loss` 训练。两处 dropout 的丢弃概率都是 0.5（默认值），而且只在训练时生效。

# %%
class MnistNet(nn.Module):
    """教程里的网络：10 个数字的对数概率。"""

    def __init__(self):
        super().__init__()
        raise NotImplementedError("在这里实现 MnistNet")


# %%
check.mnist(globals(), "MnistNet")

# %% [markdown]
# ## 2. 训练和评估
#
# `train_step(model, x, y, optimizer)`：模型输出的 NLL 损失，清除梯度，反向传播，更新参数；返回损失
# （张量本身，`train_epoch` 会对它调用 detach）。
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`：把模型切换到训练模式，对每个
# 小批量调用 `step`；以 Python 数值的形式返回每个样本的平均训练损失。`evaluate(model, loader)`：每个样本的
# 平均 NLL 损失和精度，模型处于评估模式，autograd 不记录计算图。

# %%
def train_step(model, x, y, optimizer):
    """在小批量 (x, y) 上做一步 SGD；返回损失。"""
    raise NotImplementedError("在这里实现 train_step")


# %%
check.mnist(globals(), "train_step")

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """遍历一遍 loader；返回每个样本的平均损失。"""
    raise NotImplementedError("在这里实现 train_epoch")


# %%
check.mnist(globals(), "train_epoch")

# %%
def evaluate(model, loader):
    """model 在 loader 上的 (平均损失, 精度)。"""
    raise NotImplementedError("在这里实现 evaluate")


# %%
check.mnist(globals(), "evaluate")

# %% [markdown]
# ## 3. 写入和读取检查点
#
# `save_checkpoint(path, state)` 用 `torch.save` 把 `state`（一个字典）写到 `path`（和实验里一样是 `pathlib.Path`，
# 也可能是 str），要么完整写入，要么完全不写：如果程序中途崩溃或者磁盘写满，`path` 上原来的那个检查点必须还在，
# 而且完好无损。`load_checkpoint(path)` 用 `torch.load(..., weights_only=True)` 把它读回来，这样只接受张量、
# 数、字符串，以及由它们组成的列表和字典，别处来的文件在加载时就没法执行代码。

# %%
def save_checkpoint(path, state):
    """把 state 写到 path，要么完整写入，要么完全不写。"""
    raise NotImplementedError("在这里实现 save_checkpoint")


# %%
check.mnist(globals(), "save_checkpoint")

# %%
def load_checkpoint(path):
    """用 weights_only=True 读取 path 上的检查点。"""
    raise NotImplementedError("在这里实现 load_checkpoint")


# %%
check.mnist(globals(), "load_checkpoint")

# %% [markdown]
# ## 4. 精确地中断和恢复训练
#
# `checkpoint_state(model, optimizer, epoch, history, config, batch_order=None)` 返回一个字典，装着训练
# 从中断处继续所需的全部内容：`"epoch"`、`"history"` 和 `"config"` 这三项用这三个键名，其余各项的键名随你
# 定：模型的权重、优化器的状态（SGD 的动量）、torch 的随机状态（dropout 从这里抽取随机数），以及
# `batch_order` 的状态，它是用来打乱小批量顺序的 `torch.Generator`。这个字典要能用 `torch.save` 保存，再用
# `torch.load(..., weights_only=True)` 原样读回来。
#
# `restore_checkpoint(state, model, optimizer, batch_order=None)` 把这些内容全部放进新建的模型、优化器和
# 生成器里。训练跑完一个迭代周期后停下、再这样恢复，结束时必须和一口气跑完的训练完全一致。

# %%
def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    """训练继续所需的全部内容，放在一个字典里。"""
    raise NotImplementedError("在这里实现 checkpoint_state")


# %%
check.mnist(globals(), "checkpoint_state")

# %%
def restore_checkpoint(state, model, optimizer, batch_order=None):
    """把 state 放进新建的模型、优化器和决定小批量顺序的生成器里。"""
    raise NotImplementedError("在这里实现 restore_checkpoint")


# %%
check.mnist(globals(), "restore_checkpoint")

# %% [markdown]
# ## 全部一起检查

# %%
check.mnist(globals())
