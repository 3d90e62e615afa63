# %% [markdown]
# # 实验 3 练习：在 Fashion-MNIST 上训练 d2l 的 LeNet
#
# 实验报告 002 在 Fashion-MNIST 上训练《动手学深度学习》（d2l）里的 LeNet：两个卷积层，配 sigmoid 和平均
# 池化，三个全连接层，Xavier 均匀初始化，用 SGD 和交叉熵训练。下面每一节给出一个要写的部分：把
# `raise NotImplementedError(...)` 那一行换成你的代码，运行这个单元格，再运行它下面的检查单元格。函数还没
# 写的时候，检查会显示“还没写”。
#
# 检查程序（`check.py`）会用随机图像运行你的网络，把每一层的输出形状和参数个数与书中的对比；还会在它自己搭的
# 一个小模型上运行你的训练函数，同时观察训练过程（处于训练模式还是评估模式、有没有记录梯度、zero_grad、
# backward 和 step 的先后顺序），把算出的数和 float64 下同样的计算对比。它报告第一个不通过的例子，以及与之
# 相符的常见错误。“通过了这些检查”并不是证明。实验自己的实现在 `lab3_lenet.py` 里。
#
# 在仓库所在的文件夹里打开终端，可以对整个文件做同样的检查：
# `python check.py lab3 exercises/zh-CN/lab3_sheet.ipynb --lang zh`。

# %%
import sys
from pathlib import Path

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
# ## 1. 网络
#
# `d2l_lenet()` 返回 d2l 的 LeNet，是一个 `nn.Module`（用 `nn.Sequential` 最简单）：一个 5×5、输出 6 个
# 通道、保持 28×28 大小的卷积，sigmoid，步幅为 2 的 2×2 平均池化；一个 5×5、输出 16 个通道的卷积，sigmoid，
# 同样的池化；展平；全连接层 400 → 120 → 84 → 10，中间用 sigmoid。输入为 1×1×28×28 时，各层输出依次是
# 6×28×28、6×14×14、16×10×10、16×5×5、400、120、84、10。最后一层输出原始得分：`F.cross_entropy` 自己会
# 做 log-softmax。

# %%
def d2l_lenet():
    """输入为 1x28x28 图像的 d2l LeNet。"""
    raise NotImplementedError("在这里实现 d2l_lenet")


# %%
check.lab3(globals(), "d2l_lenet")

# %% [markdown]
# ## 2. Xavier 均匀初始化
#
# `xavier_init(model)`：把 `model` 中每个 `nn.Conv2d` 和 `nn.Linear` 的权重原地设为在
# ±sqrt(6 / (fan_in + fan_out)) 之间均匀抽取的值（`nn.init` 里有现成的）。偏置可以保留 PyTorch 的默认值。

# %%
def xavier_init(model):
    """给 model 的每个卷积层和全连接层做 Xavier 均匀初始化。"""
    raise NotImplementedError("在这里实现 xavier_init")


# %%
check.lab3(globals(), "xavier_init")

# %% [markdown]
# ## 3. 训练一步
#
# `train_step(model, x, y, optimizer)`：前向计算、交叉熵损失、清除梯度、反向传播、更新参数；返回损失
# （张量本身，`train_epoch` 会对它调用 detach）和 logits。

# %%
def train_step(model, x, y, optimizer):
    """在小批量 (x, y) 上做一步 SGD；返回 (loss, logits)。"""
    raise NotImplementedError("在这里实现 train_step")


# %%
check.lab3(globals(), "train_step")

# %% [markdown]
# ## 4. 一个迭代周期
#
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`：把模型切换到训练模式，对
# `loader` 的每个 `(x, y)` 小批量调用 `step`；返回每个样本的平均训练损失和训练精度，精度像 d2l 那样用
# 每一步的 logits 来统计。一个迭代周期的最后一个小批量常常更小：每个样本都应该只算一次。返回 Python 数值
# （或者不带 autograd 计算图的张量）。`on_step` 可以不用。

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """遍历一遍 loader；返回 (平均损失, 精度)。"""
    raise NotImplementedError("在这里实现 train_epoch")


# %%
check.lab3(globals(), "train_epoch")

# %% [markdown]
# ## 5. 评估
#
# `evaluate(model, loader)`：在 `loader` 的所有小批量上，计算每个样本的平均交叉熵和精度，模型处于评估模式，
# autograd 不记录计算图。

# %%
def evaluate(model, loader):
    """model 在 loader 上的 (平均损失, 精度)。"""
    raise NotImplementedError("在这里实现 evaluate")


# %%
check.lab3(globals(), "evaluate")

# %% [markdown]
# ## 全部一起检查
#
# 然后就可以用它们来训练了：docs/zh-CN/coursework.md 里有一个配合普通 `DataLoader` 的 notebook 例子
# （学习率 0.9、批量大小 256、10 个迭代周期，测试精度在 0.8 左右）。

# %%
check.lab3(globals())
