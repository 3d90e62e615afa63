# %% [markdown]
# # 实验 2 练习：从零实现逻辑回归和 softmax 回归
#
# 实验报告 004 要求只用张量运算实现逻辑回归和 softmax 回归：损失函数、线性层和优化器都自己写，然后再用
# `torch.nn` 实现一遍。下面每一节给出一个要写的部分：把 `raise NotImplementedError(...)` 那一行换成你的
# 代码，运行这个单元格，再运行它下面的检查单元格。函数还没写的时候，检查会显示“还没写”。
#
# 检查程序（`check.py`）会在手算的例子、随机输入和边界情况上，把你的函数返回的结果和用 float64 按公式算出的
# 结果对比，报告第一个不通过的例子：输入是什么、应该得到什么、实际得到什么，以及与之相符的常见错误。“通过了这些
# 检查”只说明你的函数在它试过的每个例子上都给出了正确的数值，并不是证明。实验自己的实现在
# `lab2_logistic.py` 里：先自己试试。
#
# 在仓库所在的文件夹里打开终端，可以对整个文件做同样的检查：
# `python check.py lab2 exercises/zh-CN/lab2_sheet.ipynb --lang zh`。

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
# ## 1. 二元交叉熵
#
# `bce_loss(pred, target)`：对概率 `pred` 和取值在 [0, 1] 之间、形状相同的目标 `target`，计算
# -(t log p + (1 - t) log(1 - p)) 在小批量上的平均值。实验报告里的例子：预测为 sigmoid(0.8) = 0.6900、
# 目标为 1 时，损失是 0.37110066。概率恰好是 0 或 1 时，损失也必须是有限的数：`nn.BCELoss` 会把每个 log
# 限制在 -100 以上。实验报告自己从零实现的那次运行出了错，原因是目标的形状是 (B,)、预测的形状是 (B, 1)：
# 形状不一致时直接报错，就不会悄无声息地算错。

# %%
def bce_loss(pred, target):
    """概率 ``pred`` 对目标 ``target``（形状相同）的平均二元交叉熵。"""
    raise NotImplementedError("在这里实现 bce_loss")


# %%
check.lab2(globals(), "bce_loss")

# %% [markdown]
# ## 2. 交叉熵，以及减去最大值的技巧
#
# `cross_entropy(logits, target)`：形状为 (B, C) 的原始得分 `logits`，和形状同为 (B, C) 的 one-hot
# 目标；计算每个样本的 -sum_c t_c log softmax(logits)_c，再在小批量上求平均。softmax 要用对数形式
# （log-sum-exp）来算，而且不能让 exp() 溢出：得分为 1000 时也要能算。C 个类别得分都相同时，结果是 log C。

# %%
def cross_entropy(logits, target):
    """原始得分 (B, C) 对 one-hot 目标 (B, C) 的平均交叉熵。"""
    raise NotImplementedError("在这里实现 cross_entropy")


# %%
check.lab2(globals(), "cross_entropy")

# %% [markdown]
# ## 3. One-hot 编码
#
# `one_hot(labels, num_classes, dtype=torch.float32)`：把标签 (B,) 变成形状为 (B, num_classes)、
# 每行只有一个 1 的张量。实验报告里的例子：`one_hot(torch.tensor([2, 1, 0]), 5)`。不管某个小批量里恰好
# 有哪些标签，列数都是 `num_classes`。

# %%
def one_hot(labels, num_classes, dtype=torch.float32):
    """标签 (B,) 转成 ``dtype`` 类型的 one-hot 行 (B, num_classes)。"""
    raise NotImplementedError("在这里实现 one_hot")


# %%
check.lab2(globals(), "one_hot")

# %% [markdown]
# ## 4. 线性层
#
# `Linear(n_in, n_out)`：一个类，它的实例接收形状为 (B, n_in) 的 x，计算 x @ W + b；权重和每个输出各自的
# 偏置由 `parameters()` 以列表返回，两者都是需要梯度的叶子张量。初始权重要小（实验报告用标准正态分布初始化
# 784 个输入的权重，结果 softmax 饱和了）。再给它加上 `train()` 和 `eval()`，就像 `nn.Module` 那样：
# 训练循环会调用它们，而线性层在两种模式下的计算是一样的，没有什么要切换的。

# %%
class Linear:
    """从零实现的 y = x @ W + b。"""

    def __init__(self, n_in, n_out):
        raise NotImplementedError("在这里实现 Linear")


# %%
check.lab2(globals(), "Linear")

# %% [markdown]
# ## 5. 随机梯度下降
#
# `SGD(params, lr)`：`step()` 把每个参数原地减去 lr 乘以它的梯度，而且不能让 autograd 记录这次更新；
# `zero_grad()` 清除梯度。实验报告里的例子：x = 1，损失为 x²，学习率 0.1，走一步后 x 变成 0.8。`params`
# 可能是一个生成器，`nn.Module` 的 `model.parameters()` 返回的就是生成器。

# %%
class SGD:
    """普通的 SGD：p <- p - lr * grad。"""

    def __init__(self, params, lr):
        raise NotImplementedError("在这里实现 SGD")


# %%
check.lab2(globals(), "SGD")

# %% [markdown]
# ## 6. 训练一步
#
# `train_step(model, x, y, optimizer, loss_fn=F.cross_entropy)`：前向计算、算损失、清除梯度、反向传播、
# 更新参数；返回损失（张量本身，`train_epoch` 会对它调用 detach）和模型的输出。损失函数是参数，因为
# lab2 的几次运行用的损失函数不同。它既要能配合 `nn.Module` 和 `torch.optim.SGD` 使用，也要能配合你从零
# 实现的 `Linear` 和 `SGD` 使用，而它们只有第 4、5 节里写的那些方法。

# %%
def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    """在小批量 (x, y) 上做一步 SGD；返回 (loss, output)。"""
    raise NotImplementedError("在这里实现 train_step")


# %%
check.lab2(globals(), "train_step")

# %% [markdown]
# ## 7. 一个迭代周期
#
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`：把模型切换到训练模式，对
# `loader` 的每个 `(x, y)` 小批量（包括最后那个不满的）调用 `step`；返回每一步的损失组成的一维张量，以及
# 按训练顺序拼接起来的模型输出和目标，它们都不能带着 autograd 的计算图（实验报告打印的是各小批量损失之和）。
# 如果传了 `on_step`，每一步之后用目前为止的列表调用它；不用它也可以。

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """遍历一遍 loader；返回 (每一步的损失, 输出, 目标)。"""
    raise NotImplementedError("在这里实现 train_epoch")


# %%
check.lab2(globals(), "train_epoch")

# %% [markdown]
# ## 8. 评估
#
# `evaluate(model, loader, loss_fn=F.cross_entropy)`：在 `loader` 的所有小批量上，计算每个样本的平均损失
# 和精度（一个比例），模型处于评估模式，autograd 不记录计算图。`loss_fn` 给出的是一个小批量的平均损失，
# 所以要按小批量的大小加权。

# %%
def evaluate(model, loader, loss_fn=F.cross_entropy):
    """model 在 loader 上的 (平均损失, 精度)。"""
    raise NotImplementedError("在这里实现 evaluate")


# %%
check.lab2(globals(), "evaluate")

# %% [markdown]
# ## 全部一起检查
#
# 下面的单元格把本练习的所有函数再检查一遍。然后就可以用它们来训练了：lab2 里的 `fit` 是一种写法，
# docs/zh-CN/coursework.md 说明了怎样配合普通的 `DataLoader` 使用。

# %%
check.lab2(globals())
